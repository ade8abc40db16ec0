-- Board ranks are fractional base-62 keys (tasks/rank.ts) whose order is byte order.
-- Under a linguistic collation (en_US, zh_CN) 'a' sorts before 'B', which would
-- scramble a column, so the rank column compares in the "C" collation everywhere.
-- Changing the column's collation rebuilds tasks_project_status_rank_idx with it.
alter table tasks alter column rank type text collate "C";
