-- Earned value: a baseline keeps each task's budget (its estimate when saved) and
-- whether it was a summary, so planned value follows the baseline rather than
-- today's estimates. Baselines saved before this have null in both columns.
alter table baseline_tasks add column estimate_hours numeric(10, 2);
alter table baseline_tasks add column summary boolean;
