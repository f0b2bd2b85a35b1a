-- 0029 Search that stays fast on a common word (issue 19). InnoDB's FULLTEXT index (0024) reads every complaint of the
-- city holding a word before the queue can keep its own agency's: a word in a sixth of a year's complaints cost 0.07-0.14 s,
-- a single common character 0.6 s (100,000 complaints, a shared machine). The words now go into a B-tree keyed by the handling agency first,
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

-- A page of one agency's complaints newest first (every state, or closed ones), deep pages too, read in the index's
-- order and stopped at the page; ix_complaints_created alone read every agency's rows down to the page.
CREATE INDEX ix_complaints_agency_created ON complaints (agency_id, created_at);
-- One agency's complaints of a category (the queue's category filter), newest first.
CREATE INDEX ix_complaints_agency_category ON complaints (agency_id, category, created_at);

-- complaint_search keeps the words last written (what to delete when they change) and the agency they were filed
-- under; the FULLTEXT index is gone. Made anew rather than altered, so that the script is safe to run again: the words
-- written before are forgotten either way, and the reconciler (every five minutes, or `complaint-search reindex` at
-- once) writes every complaint's words again, into both tables.
DROP TABLE IF EXISTS complaint_search;
CREATE TABLE IF NOT EXISTS complaint_search (
  complaint_id BIGINT NOT NULL PRIMARY KEY,
  agency_id INT NOT NULL,
  tokens MEDIUMTEXT NOT NULL,
  source_updated_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_complaint_search_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
DELETE FROM complaint_search_terms;
