-- A restore step that changes the application (stop, restore data, start) records here that it
-- started, under which engine job, before it does anything; the mark is removed only when the
-- engine committed the step. The same job finding its own mark again means the orchestrator
-- died inside the step: the restore then waits for an operator (Task_ResolveInterruptedRestore)
-- instead of running the step again on its own.
alter table backup_history add column step_in_flight varchar(64);
alter table backup_history add column step_job varchar(64);
alter table backup_history add column step_started_at timestamp with time zone;
-- the step an interruption stopped, until it ran again to its end (read by "restore again" and "close")
alter table backup_history add column interrupted_step varchar(64);

-- Every orchestrator (its job executor's lock owner) and its heartbeat: a job locked by an
-- orchestrator that stopped is given back to the job executor within a minute of it being
-- seen dead, instead of after the job lock time (12 h).
create table orchestrator_node (
    lock_owner   varchar(64)  primary key,
    host         varchar(255) not null,
    pid          bigint       not null,
    started_at   timestamp with time zone not null,
    heartbeat_at timestamp with time zone not null
);
