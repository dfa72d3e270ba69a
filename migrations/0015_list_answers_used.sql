-- A stored list answer is kept while syncs use it. used_at moves on when the answer is
-- saved and when a 304 confirms it (throttled, see shared/sources/conditional.py), and
-- the scheduler drops answers no sync used for SOURCE_LIST_ANSWER_RETENTION: an
-- incremental page names its cursor in its URL, so each new cursor stores a row no later
-- sync asks for. The default covers a fetcher of the release before, which names no
-- used_at (sessions run in UTC).
ALTER TABLE list_answers ADD COLUMN used_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    ADD KEY ix_list_answers_used (used_at);
UPDATE list_answers SET used_at = fetched_at;
