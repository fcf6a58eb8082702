-- A run's message as a key of the server's bundles and its arguments (JSON), so the page shows it
-- in the viewer's language (config/Texts). message keeps the text in backup.language for old
-- readers; rows written before this migration have only message, shown as it is.
alter table backup_history add column message_key varchar(128);
alter table backup_history add column message_args varchar(8000);
-- The same for the run's details, line by line: detail_texts holds one line per line of details
-- ("key json-args", or empty for a line written as words), so the page shows each in the
-- viewer's language; details keeps the lines in backup.language.
alter table backup_history add column detail_texts varchar(8000);
