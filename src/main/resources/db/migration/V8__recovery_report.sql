-- A disaster recovery's report (kind 'recovery'): JSON with the RTO achieved (declaration to a
-- healthy application), the RPO achieved (restored backup to the declaration), each step's
-- start, end, duration and who did it. Written once, when the recovery ends.
alter table backup_history add column report varchar(32000);
