-- Deletions mirrored: each ledger row keeps the external ids its page named, so
-- the writer that closes a complete list sync knows which stored items it saw.
-- NULL on rows written before this column existed: such a job marks nothing.
ALTER TABLE sync_job_pages ADD COLUMN external_ids JSON NULL;
-- How many live items a succeeded complete sync marked deleted.
ALTER TABLE sync_jobs ADD COLUMN items_deleted INT NOT NULL DEFAULT 0;
-- The jobs API filters by source and status together, newest first.
CREATE INDEX ix_sync_jobs_source_status_started ON sync_jobs (source, status, started_at);
