-- How a restore's database half ran ('swap': restored beside, checked, swapped in; 'in-place':
-- pg_restore --clean into the live database; 'undo': the database a completed restore replaced,
-- swapped back), how long each part took ("restore beside 12.3 s, check 1.1 s, swap 0.2 s"), and
-- the database it replaced while that is kept for an undo (backup.restore.keep-previous).
alter table backup_history add column restore_method varchar(16);
alter table backup_history add column restore_phases varchar(8000);
alter table backup_history add column previous_database varchar(64);
