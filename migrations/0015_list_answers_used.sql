-- A stored list answer is kept while syncs use it. used_at moves on when the answer is
-- saved and when a 304 confirms it (at most every eighth of the retention), and the
-- scheduler drops answers no sync used for SOURCE_LIST_ANSWER_RETENTION: an incremental
-- page names its cursor in its URL, so each new cursor stores a row no later sync asks for.
ALTER TABLE list_answers ADD COLUMN used_at DATETIME(6) NULL;
UPDATE list_answers SET used_at = fetched_at WHERE used_at IS NULL;
ALTER TABLE list_answers MODIFY used_at DATETIME(6) NOT NULL,
    ADD KEY ix_list_answers_used (used_at);
