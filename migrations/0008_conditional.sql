-- Conditional requests: each item keeps the validators its upstream sent with the
-- stored payload, so the next sync can ask "changed since?" and get a bodiless 304.
ALTER TABLE items ADD COLUMN etag VARCHAR(255) NULL, ADD COLUMN last_modified VARCHAR(64) NULL;
-- The last answer of each list page with its validators: a 304 on a list page
-- needs the entries it named, and they are the ones stored here.
CREATE TABLE IF NOT EXISTS list_answers (
    api_source VARCHAR(64) NOT NULL,
    url_hash CHAR(64) NOT NULL,
    page_url TEXT NOT NULL,
    etag VARCHAR(255) NULL,
    last_modified VARCHAR(64) NULL,
    body LONGTEXT NOT NULL,
    fetched_at DATETIME(6) NOT NULL,
    PRIMARY KEY (api_source, url_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- The source's change signal seen when a complete list job started; signal_skipped
-- marks a job the unchanged signal ended at once (it swept nothing).
ALTER TABLE sync_jobs ADD COLUMN change_signal VARCHAR(191) NULL,
    ADD COLUMN signal_skipped TINYINT(1) NOT NULL DEFAULT 0;
