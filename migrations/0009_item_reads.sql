-- Reads that stay fast as items grow: a sort key for upstream ids, the job that last
-- changed each row, indexes for every filter and sort of GET /items, and item counts
-- that the writer keeps in the transaction that changes the rows.
-- Numeric ids sort as numbers ('2' before '10'), zero-padded behind a '0'; any other id
-- sorts after every number, as text, behind a '1'.
ALTER TABLE items ADD COLUMN external_sort_key VARCHAR(192) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
    AS (IF(external_id REGEXP '^[0-9]{1,20}$', CONCAT('0', LPAD(external_id, 20, '0')),
           CONCAT('1', external_id))) STORED;
-- NULL on rows written before this column existed.
ALTER TABLE items ADD COLUMN changed_in_job CHAR(36) NULL;
CREATE INDEX ix_items_sort_key ON items (external_sort_key);
CREATE INDEX ix_items_source_sort_key ON items (api_source, external_sort_key);
CREATE INDEX ix_items_updated ON items (updated_at);
CREATE INDEX ix_items_source_updated ON items (api_source, updated_at);
CREATE INDEX ix_items_name ON items (name);
CREATE INDEX ix_items_source_name ON items (api_source, name);
CREATE INDEX ix_items_changed_in_job ON items (changed_in_job);
-- Live and deleted items per source: GET /items reads its total here, not by COUNT(*).
CREATE TABLE IF NOT EXISTS source_item_counts (
    api_source VARCHAR(64) NOT NULL,
    live BIGINT NOT NULL DEFAULT 0,
    deleted BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (api_source)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO source_item_counts (api_source, live, deleted)
    SELECT api_source, SUM(deleted_at IS NULL), SUM(deleted_at IS NOT NULL) FROM items
    GROUP BY api_source
    ON DUPLICATE KEY UPDATE live = VALUES(live), deleted = VALUES(deleted);
