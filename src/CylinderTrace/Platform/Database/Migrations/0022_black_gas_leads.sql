-- 0022 Black gas traced to its source (issue 18, items 1, 2 and 5): every scan of a well-formed but unregistered
-- code kept as evidence, detention of such a code as black gas, one alert per restaurant delivery with the
-- deliverer the restaurant names, and joint enforcement cases shared between agencies.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.

-- One row per scan of an unregistered code (Cylinders). channel: official_account, mini_program, card_page,
-- receiving_scan, inspector. The location is kept rounded to two decimals (about 1 km), as Open311 publishes it;
-- scanner_hash is an HMAC of who scanned (a WeChat user, a restaurant's member, an inspector), kept to count
-- distinct scanners and never shown; source_key de-duplicates one scan delivered twice (WeChat's retries).
CREATE TABLE IF NOT EXISTS unregistered_scans (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  cylinder_code VARCHAR(32) NOT NULL,
  channel VARCHAR(16) NOT NULL,
  scanned_at DATETIME(3) NOT NULL,
  district_code CHAR(6) NULL,
  latitude DECIMAL(5,2) NULL,
  longitude DECIMAL(5,2) NULL,
  scanner_hash BINARY(32) NULL,
  customer_id BIGINT NULL,
  agency_id INT NULL,
  source_key VARCHAR(64) NULL,
  recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_unregistered_scans_source (source_key),
  KEY ix_unregistered_scans_code (cylinder_code, scanned_at),
  KEY ix_unregistered_scans_district (district_code, scanned_at),
  KEY ix_unregistered_scans_time (scanned_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An unregistered code detained as black gas (Cylinders; written by Supervision through Cylinders' service in the
-- detention's transaction): the card of the code then says 非法气瓶（已扣押）.
CREATE TABLE IF NOT EXISTS black_gas_codes (
  cylinder_code VARCHAR(32) NOT NULL PRIMARY KEY,
  detention_number VARCHAR(24) NOT NULL,
  detained_at DATETIME(3) NOT NULL,
  released_at DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An inspector's detention of an unregistered code (Supervision): where it was found and, when known, who
-- delivered it. status: open → closed (disposal: confiscated, destroyed, returned_registered).
CREATE TABLE IF NOT EXISTS black_gas_detentions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number VARCHAR(24) NULL,
  cylinder_code VARCHAR(32) NOT NULL,
  agency_id INT NOT NULL,
  issued_by INT NOT NULL,
  hazard VARCHAR(1000) NOT NULL,
  place VARCHAR(300) NOT NULL,
  district_code CHAR(6) NULL,
  worker_id INT NULL,
  worker_text VARCHAR(100) NULL,
  station_id INT NULL,
  station_text VARCHAR(200) NULL,
  vehicle_plate VARCHAR(16) NULL,
  alert_id BIGINT NULL,
  status VARCHAR(16) NOT NULL,
  issued_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  closed_by INT NULL,
  disposal VARCHAR(24) NULL,
  disposal_note VARCHAR(1000) NULL,
  UNIQUE KEY ux_black_gas_detentions_number (number),
  KEY ix_black_gas_detentions_code (cylinder_code, status),
  KEY ix_black_gas_detentions_agency (agency_id, status, issued_at),
  CONSTRAINT fk_black_gas_detentions_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One alert per delivery a restaurant received with unsafe or unmatched cylinders (Commercial): the scanning
-- member, the complaint filed for it (idempotency key delivery-alert-<id>), and the deliverer as the restaurant
-- reports it (permit number or name, vehicle plate, supplier as printed on the receipt).
CREATE TABLE IF NOT EXISTS delivery_alerts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  district_code CHAR(6) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  scanned_at DATETIME(3) NOT NULL,
  category VARCHAR(32) NOT NULL,
  complaint_number VARCHAR(24) NULL,
  worker_permit VARCHAR(40) NULL,
  worker_name VARCHAR(50) NULL,
  vehicle_plate VARCHAR(16) NULL,
  supplier_name VARCHAR(100) NULL,
  deliverer_reported_at DATETIME(3) NULL,
  deliverer_reported_by BIGINT NULL,
  KEY ix_delivery_alerts_customer (customer_id, created_at),
  KEY ix_delivery_alerts_district (district_code, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS delivery_alert_codes (
  alert_id BIGINT NOT NULL,
  cylinder_code VARCHAR(32) NOT NULL,
  scan_id BIGINT NOT NULL,
  outcome VARCHAR(24) NOT NULL,
  status_code VARCHAR(24) NULL,
  PRIMARY KEY (alert_id, cylinder_code),
  KEY ix_delivery_alert_codes_code (cylinder_code),
  KEY ix_delivery_alert_codes_scan (scan_id),
  CONSTRAINT fk_delivery_alert_codes_alert FOREIGN KEY (alert_id) REFERENCES delivery_alerts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The restaurant's owner hears of an alert a staff member's scan raised (subscribe message; an outbox row
-- written with the alert, sent by a job, re-queued by the reconciler).
CREATE TABLE IF NOT EXISTS delivery_alert_notices (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  alert_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  detail VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY ux_delivery_alert_notices (alert_id, user_id),
  KEY ix_delivery_alert_notices_status (status, updated_at),
  CONSTRAINT fk_delivery_alert_notices_alert FOREIGN KEY (alert_id) REFERENCES delivery_alerts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Joint enforcement cases (联合执法, Supervision): one case file for a complaint, fill violation or black-gas lead,
-- shared by the agencies working it; every agency's action is a step of one timeline; a referral to the police
-- (行刑衔接) is recorded with its outcome. source_kind: complaint, violation, black_gas; status: open, closed.
CREATE TABLE IF NOT EXISTS joint_cases (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number VARCHAR(24) NULL,
  source_kind VARCHAR(16) NOT NULL,
  source_ref VARCHAR(40) NOT NULL,
  title VARCHAR(200) NOT NULL,
  lead_agency_id INT NOT NULL,
  created_by INT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  status VARCHAR(16) NOT NULL,
  closed_at DATETIME(3) NULL,
  conclusion VARCHAR(2000) NULL,
  UNIQUE KEY ux_joint_cases_number (number),
  UNIQUE KEY ux_joint_cases_source (source_kind, source_ref),
  CONSTRAINT fk_joint_cases_agency FOREIGN KEY (lead_agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS joint_case_agencies (
  case_id BIGINT NOT NULL,
  agency_id INT NOT NULL,
  role VARCHAR(16) NOT NULL,
  joined_at DATETIME(3) NOT NULL,
  PRIMARY KEY (case_id, agency_id),
  KEY ix_joint_case_agencies_agency (agency_id, case_id),
  CONSTRAINT fk_joint_case_agencies_case FOREIGN KEY (case_id) REFERENCES joint_cases (id),
  CONSTRAINT fk_joint_case_agencies_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS joint_case_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  agency_id INT NOT NULL,
  staff_id INT NOT NULL,
  kind VARCHAR(24) NOT NULL,
  text VARCHAR(2000) NULL,
  KEY ix_joint_case_events_case (case_id, at),
  CONSTRAINT fk_joint_case_events_case FOREIGN KEY (case_id) REFERENCES joint_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A referral to the police (行刑衔接): to which public security unit, why, and what became of it.
-- status: referred → accepted (立案) / declined (不予立案) → concluded.
CREATE TABLE IF NOT EXISTS joint_case_referrals (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  case_id BIGINT NOT NULL,
  agency_id INT NOT NULL,
  referred_by INT NOT NULL,
  referred_at DATETIME(3) NOT NULL,
  police_unit VARCHAR(100) NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  status VARCHAR(16) NOT NULL,
  outcome_at DATETIME(3) NULL,
  outcome_text VARCHAR(1000) NULL,
  KEY ix_joint_case_referrals_case (case_id),
  CONSTRAINT fk_joint_case_referrals_case FOREIGN KEY (case_id) REFERENCES joint_cases (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
