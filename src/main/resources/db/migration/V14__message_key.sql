-- A run's message as a key of the server's bundles and its arguments (JSON), so the page shows it
-- in the viewer's language (config/Texts). message keeps the text in backup.language for old
-- readers; rows written before this migration have only message, shown as it is.
alter table backup_history add column message_key varchar(128);
alter table backup_history add column message_args varchar(8000);
