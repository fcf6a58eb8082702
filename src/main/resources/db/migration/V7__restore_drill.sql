-- A restore drill records one backup_history row per drilled set (kind 'drill', source
-- 'daily/20261201', backup_id '20261201', rto_millis = how long its restore took, the RTO it
-- gives) and here its evidence: the JSON report of every check, the set's age (the RPO it
-- gives), the scratch names and whether they were removed (drill/DrillEvidence), served by
-- /api/backups/drills. H2 and PostgreSQL.
create table drill_evidence (
    run_id      bigint           primary key,
    evidence    varchar(1000000) not null,
    updated_at  timestamp with time zone not null
);
