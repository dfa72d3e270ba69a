-- Items a job could not fetch: permanent upstream errors, recorded and skipped.
CREATE TABLE IF NOT EXISTS sync_job_errors (
    job_id CHAR(36) NOT NULL,
    external_id VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    error VARCHAR(1000) NOT NULL,
    attempts INT NOT NULL,
    recorded_at DATETIME(6) NOT NULL,
    PRIMARY KEY (job_id, external_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
