-- Payloads are stored as the exact text the upstream sent. MySQL 8's JSON type keeps a
-- binary form and re-serialises it on read (keys reordered, integers past 64 bits turned
-- into doubles); a text column with a validity check keeps every byte on every server.
ALTER TABLE items MODIFY payload LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
ALTER TABLE items ADD CONSTRAINT items_payload_is_json CHECK (JSON_VALID(payload));
