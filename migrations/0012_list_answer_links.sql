-- A list page walked by its Link header (RFC 8288) needs the next page's link when a
-- 304 confirms the stored answer, and a 304 need not repeat the Link header: the
-- stored answer keeps its rel="next" link (without auth parameters). NULL: none.
ALTER TABLE list_answers ADD COLUMN link TEXT NULL;
