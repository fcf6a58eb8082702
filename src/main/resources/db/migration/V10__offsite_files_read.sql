-- What the offsite copy of a run's set read: the files restic read (new or changed since the
-- copy it compared with) and the files it skipped as unchanged; null for copies made before.
alter table backup_history add column offsite_files_read bigint;
alter table backup_history add column offsite_files_unchanged bigint;
