-- 0018 The filling interlock enforced (issue 17, items 1 and 4).
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.

-- An enterprise's licences, one current row per kind: 'gas_supply' (燃气经营许可证, issued by the gas
-- authority under the 城镇燃气管理条例) and, for filling enterprises, 'cylinder_filling' (气瓶充装许可证,
-- issued by market supervision under TSG 23-2021). status: 'valid', 'suspended' or 'revoked'; a licence is
-- in force on a day when status = 'valid' and valid_from <= day <= valid_until. Owned by Enterprises.
CREATE TABLE IF NOT EXISTS enterprise_licences (
  enterprise_id INT NOT NULL,
  kind VARCHAR(20) NOT NULL,
  licence_number VARCHAR(64) NOT NULL,
  issuer VARCHAR(100) NOT NULL,
  valid_from DATE NOT NULL,
  valid_until DATE NOT NULL,
  status VARCHAR(12) NOT NULL DEFAULT 'valid',
  updated_by INT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (enterprise_id, kind),
  KEY ix_enterprise_licences_until (kind, valid_until),
  CONSTRAINT fk_enterprise_licences_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A fill of a code nobody registered: kept as it was reported (history must be true). Its event id is
-- recorded in ingested_events with cylinder_id 0, so a repeated batch finds it a duplicate. Owned by Cylinders.
CREATE TABLE IF NOT EXISTS orphan_fills (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  enterprise_id INT NOT NULL,
  station_id INT NOT NULL,
  cylinder_code VARCHAR(32) NOT NULL,
  filled_at DATETIME(3) NOT NULL,
  net_weight_kg DECIMAL(6,2) NULL,
  external_event_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  recorded_at DATETIME(3) NOT NULL,
  UNIQUE KEY ux_orphan_fills_event (enterprise_id, external_event_id),
  KEY ix_orphan_fills_code (cylinder_code, filled_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A fill that broke the interlock: one row per fill, with every rule it broke (kinds, comma-separated
-- codes), routed to the market supervision bureau of the filling station's district (which licenses fillers)
-- and handled there as a case. Its number is WG + the day it was recorded + its id (8 digits or more), set in the
-- storing transaction right after the insert (NULL only within it). Owned by Supervision.
CREATE TABLE IF NOT EXISTS fill_violations (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number VARCHAR(32) NULL,
  enterprise_id INT NOT NULL,
  station_id INT NOT NULL,
  external_event_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  cylinder_id BIGINT NULL,
  cylinder_code VARCHAR(32) NOT NULL,
  owner_id INT NULL,
  filled_at DATETIME(3) NOT NULL,
  kinds VARCHAR(255) NOT NULL,
  district_code CHAR(6) NOT NULL,
  agency_id INT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  handler_id INT NULL,
  outcome VARCHAR(24) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  resolved_at DATETIME(3) NULL,
  UNIQUE KEY ux_fill_violations_number (number),
  UNIQUE KEY ux_fill_violations_event (enterprise_id, external_event_id),
  KEY ix_fill_violations_queue (agency_id, status, created_at),
  KEY ix_fill_violations_district (district_code, created_at),
  KEY ix_fill_violations_enterprise (enterprise_id, created_at),
  KEY ix_fill_violations_code (cylinder_code),
  CONSTRAINT fk_fill_violations_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What happened to a violation: recorded, claimed, noted, resolved (with the outcome), the enterprise told.
CREATE TABLE IF NOT EXISTS fill_violation_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  violation_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  staff_id INT NULL,
  kind VARCHAR(16) NOT NULL,
  body VARCHAR(2000) NOT NULL DEFAULT '',
  KEY ix_fill_violation_events (violation_id, id),
  CONSTRAINT fk_fill_violation_events_violation FOREIGN KEY (violation_id) REFERENCES fill_violations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- What took points off a score, by kind (fill_violation now; more kinds join as rows, not columns): how many
-- records and how many points, per score row. Owned by Supervision (EnterpriseScores).
CREATE TABLE IF NOT EXISTS enterprise_score_deductions (
  enterprise_id INT NOT NULL,
  period VARCHAR(10) NOT NULL,
  period_start DATE NOT NULL,
  kind VARCHAR(24) NOT NULL,
  records INT NOT NULL,
  points DECIMAL(6,2) NOT NULL,
  PRIMARY KEY (enterprise_id, period, period_start, kind),
  CONSTRAINT fk_enterprise_score_deductions_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
