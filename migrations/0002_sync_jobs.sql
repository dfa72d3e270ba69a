-- Sync jobs: one row per sync, with exact counters kept by the writers.
-- active_key is set while a job is open and cleared when it ends, so the unique
-- key lets only one open job exist per identical request.
CREATE TABLE IF NOT EXISTS sync_jobs (
    id CHAR(36) NOT NULL,
    source VARCHAR(64) NOT NULL,
    `trigger` VARCHAR(16) NOT NULL,
    operation VARCHAR(16) NOT NULL,
    params JSON NOT NULL,
    force_sync TINYINT(1) NOT NULL DEFAULT 0,
    status VARCHAR(16) NOT NULL,
    trace_id VARCHAR(64) NOT NULL,
    active_key VARCHAR(191) NULL,
    started_at DATETIME(6) NOT NULL,
    finished_at DATETIME(6) NULL,
    pages_total INT NULL,
    pages_done INT NOT NULL DEFAULT 0,
    items_seen INT NOT NULL DEFAULT 0,
    items_created INT NOT NULL DEFAULT 0,
    items_updated INT NOT NULL DEFAULT 0,
    items_unchanged INT NOT NULL DEFAULT 0,
    items_failed INT NOT NULL DEFAULT 0,
    error TEXT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_sync_jobs_active (active_key),
    KEY ix_sync_jobs_started (started_at),
    KEY ix_sync_jobs_source_started (source, started_at),
    KEY ix_sync_jobs_status_started (status, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
