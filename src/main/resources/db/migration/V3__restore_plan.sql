-- The plan a restore's guard checked and its approver approved (JSON: set, halves, targets,
-- requester, the manifest's SHA-256), frozen where process variables cannot reach it: every
-- later step executes this plan and nothing else.
alter table backup_history add column plan varchar(4000);
-- set when the restore switched to its safety set (never read from a variable)
alter table backup_history add column rolling_back boolean default false;
