-- Which operator decision resumed a waiting restore: when a completion rolls back (two
-- operators at once), only the decision that is still the latest one puts the run back to
-- waiting and gives the lock up, never a loser undoing the winner.
alter table backup_history add column resume_token varchar(64);
