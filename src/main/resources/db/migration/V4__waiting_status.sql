-- a restore waiting for an operator (WAITING_FOR_OPERATOR) needs a longer status
alter table backup_history alter column status set data type varchar(32);
