-- 0023 Credit that counts what matters, and its consequences (issue 18, items 3 and 4).
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.

-- Whether a customer's identity checks out (GB 11643-1999 for a resident's ID number, GB 32100-2015 for a business's
-- 统一社会信用代码), worked out when the number arrives (the ID number is stored only encrypted, so SQL cannot check it).
-- A customer without a row has not been checked yet: the nightly score job checks them first. The credit code is a
-- business's public registration number, not personal data, so it is kept as it is. Owned by Enterprises.
CREATE TABLE IF NOT EXISTS customer_identities (
  customer_id BIGINT NOT NULL PRIMARY KEY,
  credit_code VARCHAR(18) NULL,
  id_number_valid TINYINT(1) NULL,
  credit_code_valid TINYINT(1) NULL,
  checked_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_customer_identities_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 双随机、一公开: one plan per agency and month. The seed and the candidate list (enterprises with their stratum, the
-- agency's inspectors) are published with the plan, so anyone can run the draw again (docs/SCORING.md). Owned by Supervision.
CREATE TABLE IF NOT EXISTS inspection_plans (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  agency_id INT NOT NULL,
  month DATE NOT NULL,
  seed VARCHAR(64) NOT NULL,
  algorithm VARCHAR(32) NOT NULL,
  candidates JSON NOT NULL,
  inspectors JSON NOT NULL,
  drawn_at DATETIME(3) NOT NULL,
  drawn_by INT NULL,
  UNIQUE KEY ux_inspection_plans_month (agency_id, month),
  KEY ix_inspection_plans_month (month),
  CONSTRAINT fk_inspection_plans_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A drawn target: why (drawn in its stratum, or an open serious violation), its draw key, the inspector pair, and the
-- finding (outcome from the 双随机 publicity wording, what was found, when, by whom).
CREATE TABLE IF NOT EXISTS inspection_plan_targets (
  plan_id BIGINT NOT NULL,
  enterprise_id INT NOT NULL,
  stratum VARCHAR(8) NOT NULL,
  reason VARCHAR(20) NOT NULL,
  draw_key CHAR(16) NOT NULL,
  inspector_a INT NULL,
  inspector_b INT NULL,
  status VARCHAR(12) NOT NULL DEFAULT 'pending',
  outcome VARCHAR(24) NULL,
  findings VARCHAR(2000) NULL,
  inspected_on DATE NULL,
  recorded_by INT NULL,
  recorded_at DATETIME(3) NULL,
  PRIMARY KEY (plan_id, enterprise_id),
  KEY ix_inspection_plan_targets_enterprise (enterprise_id, status),
  CONSTRAINT fk_inspection_plan_targets_plan FOREIGN KEY (plan_id) REFERENCES inspection_plans (id),
  CONSTRAINT fk_inspection_plan_targets_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Photos of an inspection (content-addressed files of the photos table, stored through the photo store).
CREATE TABLE IF NOT EXISTS inspection_finding_photos (
  plan_id BIGINT NOT NULL,
  enterprise_id INT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  position TINYINT NOT NULL,
  PRIMARY KEY (plan_id, enterprise_id, sha256),
  CONSTRAINT fk_inspection_finding_photos_target FOREIGN KEY (plan_id, enterprise_id) REFERENCES inspection_plan_targets (plan_id, enterprise_id),
  CONSTRAINT fk_inspection_finding_photos_photo FOREIGN KEY (sha256) REFERENCES photos (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The licensing agencies' review list: an enterprise graded D or with repeated violations is listed, per licence kind
-- (the agency kind that issues it reviews it), once until that agency decides (licence kept, rectification ordered,
-- licence suspended or revoked, or taken off the list).
CREATE TABLE IF NOT EXISTS licence_reviews (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  enterprise_id INT NOT NULL,
  licence_kind VARCHAR(20) NOT NULL,
  reasons VARCHAR(500) NOT NULL,
  listed_at DATETIME(3) NOT NULL,
  status VARCHAR(12) NOT NULL DEFAULT 'open',
  decision VARCHAR(24) NULL,
  note VARCHAR(1000) NULL,
  decided_by INT NULL,
  decided_at DATETIME(3) NULL,
  KEY ix_licence_reviews_enterprise (enterprise_id, licence_kind, status),
  KEY ix_licence_reviews_status (status, listed_at),
  CONSTRAINT fk_licence_reviews_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
