-- 0029 Search that stays fast on a common word (issue 19). InnoDB's FULLTEXT index (0024) reads every complaint of the
-- city holding a word before the queue can keep its own agency's: a word in a sixth of a year's complaints cost 0.1-0.3 s,
-- a single common character 0.6 s, on an idle server. The words now go into a B-tree keyed by the handling agency first,
-- so a search reads only the agency's complaints that hold the word, newest page or total alike.
-- MySQL 8 and MariaDB 10.11 alike.

-- One row per (handling agency, search word, complaint): ComplaintSearch's words (u+hex Han character, b+hex pair,
-- q+Latin word and each of its prefixes), filed under the complaint's handling agency (0 before routing). Written with
-- complaint_search in the same transaction (filing, routing, transfer, resolving, rejecting, reopening) and by its
-- reconciler; the queue still joins complaints and checks the agency there, so a row left behind never shows a
-- complaint outside the viewer's jurisdiction. No foreign key: it would need an index of its own on complaint_id,
-- as large again as the table.
CREATE TABLE IF NOT EXISTS complaint_search_terms (
  agency_id INT NOT NULL,
  term VARCHAR(90) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  complaint_id BIGINT NOT NULL,
  PRIMARY KEY (agency_id, term, complaint_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The words written before this migration are forgotten, so the reconciler (every five minutes, or `complaint-search
-- reindex` at once) writes every complaint's words again, into both tables.
DELETE FROM complaint_search;

-- complaint_search keeps the words last written (what to delete when they change) and the agency they were filed
-- under; the FULLTEXT index is no longer read. One ALTER statement: both servers apply it whole or not at all.
ALTER TABLE complaint_search ADD COLUMN agency_id INT NOT NULL DEFAULT 0 AFTER complaint_id, DROP INDEX ft_complaint_search_tokens;
