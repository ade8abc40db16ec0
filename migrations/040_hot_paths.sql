-- Hot paths, from EXPLAIN (ANALYZE, BUFFERS) on the medium bench tier (docs/performance.md).
--
-- A board or list filtered to one assignee ("my tasks on this board", 15% of board views)
-- intersected two bitmaps: every task of the assignee (tasks_assignee_due_idx) with every
-- task of the project, per column, then sorted by rank. This index answers each column's
-- first 50 by rank, its count, and an assignee-filtered list, from one range.
create index tasks_project_assignee_status_rank_idx on tasks (project_id, assignee_id, status, rank, id);
