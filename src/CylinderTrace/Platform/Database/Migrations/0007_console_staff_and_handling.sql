-- 0007 The handler console: staff accounts, how a complaint is being handled (claim, duplicate,
-- outcome), and which agencies may read a complaint they do not handle (informed co-agencies and the
-- escalation office). MySQL 8 and MariaDB 10.11 alike; safe to re-run.

-- A member of an agency's staff. role: handler, supervisor, inspector, administrator.
-- password_hash is ASP.NET Core's PasswordHasher format (PBKDF2). security_stamp changes with the
-- password, the role or the account's state, which signs out every open console session.
CREATE TABLE IF NOT EXISTS staff (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  display_name VARCHAR(50) NOT NULL,
  role VARCHAR(20) NOT NULL,
  agency_id INT NOT NULL,
  password_hash VARCHAR(200) NOT NULL,
  must_change_password TINYINT(1) NOT NULL DEFAULT 1,
  failed_logins INT NOT NULL DEFAULT 0,
  locked_until DATETIME(3) NULL,
  security_stamp CHAR(32) NOT NULL,
  wechat_openid VARCHAR(64) NULL,
  wechat_bound_at DATETIME(3) NULL,
  disabled TINYINT(1) NOT NULL DEFAULT 0,
  last_login_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY ux_staff_username (username),
  KEY ix_staff_agency (agency_id, role),
  KEY ix_staff_openid (wechat_openid),
  CONSTRAINT fk_staff_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- How a complaint is being handled: who claimed it, what it duplicates, the outcome it was closed with.
CREATE TABLE IF NOT EXISTS complaint_handling (
  complaint_id BIGINT NOT NULL PRIMARY KEY,
  claimed_by INT NULL,
  claimed_at DATETIME(3) NULL,
  duplicate_of BIGINT NULL,
  outcome VARCHAR(30) NULL,
  closed_by INT NULL,
  closed_at DATETIME(3) NULL,
  KEY ix_complaint_handling_claimed (claimed_by),
  CONSTRAINT fk_complaint_handling_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id),
  CONSTRAINT fk_complaint_handling_claimed FOREIGN KEY (claimed_by) REFERENCES staff (id),
  CONSTRAINT fk_complaint_handling_duplicate FOREIGN KEY (duplicate_of) REFERENCES complaints (id),
  CONSTRAINT fk_complaint_handling_closed FOREIGN KEY (closed_by) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Agencies that may read a complaint they do not handle: co-agencies a rule informs (reason
-- informed) and the office an overdue complaint escalates to (reason escalated).
CREATE TABLE IF NOT EXISTS complaint_informed_agencies (
  agency_id INT NOT NULL,
  complaint_id BIGINT NOT NULL,
  reason VARCHAR(20) NOT NULL,
  since DATETIME(3) NOT NULL,
  PRIMARY KEY (agency_id, complaint_id),
  KEY ix_informed_complaint (complaint_id),
  CONSTRAINT fk_informed_agency FOREIGN KEY (agency_id) REFERENCES agencies (id),
  CONSTRAINT fk_informed_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Complaints routed or escalated before this table existed.
INSERT IGNORE INTO complaint_informed_agencies (agency_id, complaint_id, reason, since)
SELECT e.agency_id, e.complaint_id, MIN(e.kind), MIN(e.at) FROM complaint_events e
WHERE e.kind IN ('informed', 'escalated') AND e.agency_id IS NOT NULL
GROUP BY e.agency_id, e.complaint_id;

-- ASP.NET Core data-protection keys (they protect console sign-in cookies and form tokens), shared
-- by every instance so that any instance can read a cookie another one issued.
CREATE TABLE IF NOT EXISTS data_protection_keys (
  friendly_name VARCHAR(100) NOT NULL PRIMARY KEY,
  xml TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who changed which routing rule, when, to what (administrators edit rules in the console).
CREATE TABLE IF NOT EXISTS routing_rule_changes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(3) NOT NULL,
  actor VARCHAR(100) NOT NULL,
  action VARCHAR(10) NOT NULL,
  category VARCHAR(40) NOT NULL,
  district_code CHAR(6) NOT NULL,
  agency_id INT NULL,
  deadline_hours INT NULL,
  informs VARCHAR(500) NULL,
  KEY ix_routing_rule_changes (category, district_code, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Mini Program sessions, durable: MariaDB is the record (so residents stay signed in and can file
-- complaints while Redis is away); Redis caches them. Only the token's SHA-256 is stored.
CREATE TABLE IF NOT EXISTS mp_sessions (
  token_hash BINARY(32) NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  openid VARCHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  KEY ix_mp_sessions_expires (expires_at),
  CONSTRAINT fk_mp_sessions_user FOREIGN KEY (user_id) REFERENCES mp_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
