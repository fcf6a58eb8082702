-- Restores (and later drills) record who asked, who approved, which set, each step's
-- duration and the time from approval to a healthy application (the RTO achieved).
alter table backup_history add column requested_by varchar(128);
alter table backup_history add column approved_by varchar(128);
alter table backup_history add column source varchar(64);
alter table backup_history add column details varchar(8000);
alter table backup_history add column rto_millis bigint;
