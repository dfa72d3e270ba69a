-- Every state-changing request: who (token id and address), what, when. Never the token.
CREATE TABLE IF NOT EXISTS audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at DATETIME(6) NOT NULL,
    action VARCHAR(64) NOT NULL,
    client VARCHAR(191) NOT NULL,
    token_id VARCHAR(16) NOT NULL,
    target VARCHAR(1000) NULL,
    KEY audit_log_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
