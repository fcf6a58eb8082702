-- The offsite (restic) copy of a run's set: the snapshot id, the bytes restic actually sent
-- (after deduplication) and when; null while the set is not offsite.
alter table backup_history add column offsite_snapshot_id varchar(64);
alter table backup_history add column offsite_bytes bigint;
alter table backup_history add column offsite_at timestamp with time zone;
