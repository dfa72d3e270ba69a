-- A for_each job counts its walks, one per value, as they end: the page that ends a
-- walk adds the walk's other pages to pages_total, so the job ends once every walk
-- has and every counted page landed, whatever order the writers commit them in.
-- walks is NULL for a job whose size is known otherwise.
ALTER TABLE sync_jobs ADD COLUMN walks INT NULL,
    ADD COLUMN walks_ended INT NOT NULL DEFAULT 0;
