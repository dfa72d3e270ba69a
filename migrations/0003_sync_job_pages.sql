-- The page ledger: written in the same transaction as a page's upserts, so a
-- page delivered twice is applied once.
CREATE TABLE IF NOT EXISTS sync_job_pages (
    job_id CHAR(36) NOT NULL,
    page_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    items INT NOT NULL,
    failed INT NOT NULL,
    written_at DATETIME(6) NOT NULL,
    PRIMARY KEY (job_id, page_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
