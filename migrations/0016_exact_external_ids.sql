-- Upstream ids and page keys are compared exactly. utf8mb4_bin pads with spaces when it
-- compares, so "25" and "25 " were one row (the later item overwrote the earlier) and
-- one page in a job's ledger. @EXACT_BIN@ is the server's binary collation without
-- padding: utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8. The sort key
-- follows, so such ids list in text order. Each ALTER rebuilds its table.
ALTER TABLE items
    MODIFY external_id VARCHAR(191) CHARACTER SET utf8mb4 COLLATE @EXACT_BIN@ NOT NULL,
    MODIFY external_sort_key VARCHAR(192) CHARACTER SET utf8mb4 COLLATE @EXACT_BIN@
        AS (IF(external_id REGEXP '^[0-9]{1,20}$', CONCAT('0', LPAD(external_id, 20, '0')),
               CONCAT('1', external_id))) STORED;
ALTER TABLE sync_job_errors
    MODIFY external_id VARCHAR(191) CHARACTER SET utf8mb4 COLLATE @EXACT_BIN@ NOT NULL;
ALTER TABLE sync_job_pages
    MODIFY page_key VARCHAR(191) CHARACTER SET utf8mb4 COLLATE @EXACT_BIN@ NOT NULL;
