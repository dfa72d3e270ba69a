-- Incremental syncs: each job keeps the largest cursor_field its pages saw, and
-- whether it asked for changed records only (then it never marks deletions).
ALTER TABLE sync_jobs ADD COLUMN cursor_seen VARCHAR(191) NULL,
    ADD COLUMN incremental TINYINT(1) NOT NULL DEFAULT 0;
-- The cursor of each source's last succeeded list job: the next list sends it.
CREATE TABLE IF NOT EXISTS source_cursors (
    api_source VARCHAR(64) NOT NULL,
    cursor_value VARCHAR(191) NOT NULL,
    job_id CHAR(36) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (api_source)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
