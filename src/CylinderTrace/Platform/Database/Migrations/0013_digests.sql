-- 0013 Digest reports per agency (DESIGN.md §6, issue 9): each agency's schedule and recipients, and
-- every digest made (HTML page and CSV, archived), with whether it was e-mailed and announced.
-- (agency, kind, period_start) is unique: making the same digest again sends nothing twice.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS digest_settings (
  agency_id INT NOT NULL PRIMARY KEY,
  daily TINYINT(1) NOT NULL DEFAULT 1,
  weekly TINYINT(1) NOT NULL DEFAULT 1,
  send_hour TINYINT NOT NULL DEFAULT 7,
  weekly_day TINYINT NOT NULL DEFAULT 1,
  email_to VARCHAR(1000) NOT NULL DEFAULT '',
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_digest_settings_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS digests (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  agency_id INT NOT NULL,
  kind VARCHAR(10) NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  created_at DATETIME(3) NOT NULL,
  title VARCHAR(200) NOT NULL,
  summary VARCHAR(500) NOT NULL,
  html MEDIUMTEXT NOT NULL,
  csv MEDIUMTEXT NOT NULL,
  email_to VARCHAR(1000) NOT NULL DEFAULT '',
  emailed_at DATETIME(3) NULL,
  email_attempts INT NOT NULL DEFAULT 0,
  email_error VARCHAR(500) NULL,
  announced_at DATETIME(3) NULL,
  UNIQUE KEY ux_digests_period (agency_id, kind, period_start),
  KEY ix_digests_pending (emailed_at, email_attempts),
  CONSTRAINT fk_digests_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
