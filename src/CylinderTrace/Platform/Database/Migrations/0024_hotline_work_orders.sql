-- 0024 The console as a hotline work-order system (issue 19): full-text search over complaints, extension
-- requests, reply templates per agency, and the log of urges and phone reveals that digests count.
-- MySQL 8 and MariaDB 10.11 alike (InnoDB FULLTEXT with the built-in parser, no ngram or Mroonga plugin); safe to re-run.

-- The search tokens of a complaint (number, cylinder code, description, address, reply), written by
-- Complaints/Handling/ComplaintSearch in the transaction that changes them and by its reconciler for rows it
-- has not seen. Chinese has no spaces, so each Han character and each pair of neighbours becomes an ASCII
-- word of hex digits (u + 5 hex, b + 10 hex): the built-in parser splits them, and they are longer than
-- innodb_ft_min_token_size (3) on both servers; Latin words and digit runs are q + the word.
CREATE TABLE IF NOT EXISTS complaint_search (
  complaint_id BIGINT NOT NULL PRIMARY KEY,
  tokens MEDIUMTEXT NOT NULL,
  source_updated_at DATETIME(3) NOT NULL,
  FULLTEXT KEY ft_complaint_search_tokens (tokens),
  CONSTRAINT fk_complaint_search_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 延期: a handler asks for more time with a reason; a supervisor of the handling agency approves (the
-- deadline moves by the hours asked) or refuses. One pending request per complaint at a time.
CREATE TABLE IF NOT EXISTS complaint_extensions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT NOT NULL,
  agency_id INT NOT NULL,
  requested_by INT NOT NULL,
  requested_at DATETIME(3) NOT NULL,
  hours INT NOT NULL,
  reason VARCHAR(500) NOT NULL,
  status VARCHAR(10) NOT NULL,
  decided_by INT NULL,
  decided_at DATETIME(3) NULL,
  decision_note VARCHAR(500) NULL,
  due_before DATETIME(3) NULL,
  due_after DATETIME(3) NULL,
  KEY ix_complaint_extensions_complaint (complaint_id, status),
  KEY ix_complaint_extensions_agency (agency_id, status, requested_at),
  CONSTRAINT fk_complaint_extensions_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id),
  CONSTRAINT fk_complaint_extensions_requested FOREIGN KEY (requested_by) REFERENCES staff (id),
  CONSTRAINT fk_complaint_extensions_decided FOREIGN KEY (decided_by) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 常用语: reply texts an agency keeps for its handlers to start a reply from. Deleting keeps the row (deleted_at).
CREATE TABLE IF NOT EXISTS complaint_reply_templates (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  agency_id INT NOT NULL,
  title VARCHAR(50) NOT NULL,
  body VARCHAR(1000) NOT NULL,
  created_by INT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_by INT NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  deleted_at DATETIME(3) NULL,
  KEY ix_complaint_reply_templates_agency (agency_id, deleted_at, title),
  CONSTRAINT fk_complaint_reply_templates_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Urges (催办/督办) and reveals of a complainant's phone, one row each, beside their history step: the
-- digests count them per handling agency and period through (handling_agency_id, kind, at).
CREATE TABLE IF NOT EXISTS complaint_oversight (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT NOT NULL,
  kind VARCHAR(20) NOT NULL,
  staff_id INT NOT NULL,
  agency_id INT NOT NULL,
  handling_agency_id INT NULL,
  at DATETIME(3) NOT NULL,
  KEY ix_complaint_oversight_handling (handling_agency_id, kind, at),
  KEY ix_complaint_oversight_complaint (complaint_id, kind, at),
  CONSTRAINT fk_complaint_oversight_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
