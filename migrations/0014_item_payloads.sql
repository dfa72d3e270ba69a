-- Payloads move to a table of their own. InnoDB reads the whole row, off-page payload
-- included, of every row that an UPDATE or a SELECT ... FOR UPDATE locks: a writer
-- confirming a 304 locks the item's row and moves synced_at on, and so read the stored
-- payload twice (170 KB on average for a PokeAPI detail) to change 8 bytes. An items row
-- is now a few hundred bytes; a payload is written when it changes and read by item reads.
CREATE TABLE IF NOT EXISTS item_payloads (
    item_id BIGINT UNSIGNED NOT NULL,
    payload LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    PRIMARY KEY (item_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- A re-run after the ALTER failed copies again over what the first run copied.
INSERT INTO item_payloads (item_id, payload) SELECT id, payload FROM items
    ON DUPLICATE KEY UPDATE payload = VALUES(payload);
-- INPLACE rebuilds the table, so the payloads' pages are given back (INSTANT would not).
ALTER TABLE items DROP COLUMN payload, ALGORITHM=INPLACE;
