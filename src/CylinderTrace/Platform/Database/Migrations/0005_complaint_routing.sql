-- 0005 Complaint routing: rules per (category, district) with a deadline and agencies to inform,
-- the default rules of Fuzhou, and the routing outbox that the filing transaction writes.
-- A rule for district 350100 (the city) is the category's default where no district rule exists.

CREATE TABLE IF NOT EXISTS routing_rules (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  category VARCHAR(40) NOT NULL,
  district_code CHAR(6) NOT NULL,
  agency_id INT NOT NULL,
  deadline_hours INT NOT NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_routing_rules (category, district_code),
  CONSTRAINT fk_routing_rules_district FOREIGN KEY (district_code) REFERENCES districts (code),
  CONSTRAINT fk_routing_rules_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS routing_rule_informs (
  rule_id INT NOT NULL,
  agency_id INT NOT NULL,
  PRIMARY KEY (rule_id, agency_id),
  CONSTRAINT fk_rule_informs_rule FOREIGN KEY (rule_id) REFERENCES routing_rules (id),
  CONSTRAINT fk_rule_informs_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What still has to be routed, written with the complaint in its transaction (status pending), and
-- the outcome: done when routed (rule_id null = the triage queue), with the deadline.
CREATE TABLE IF NOT EXISTS complaint_routing (
  complaint_id BIGINT NOT NULL PRIMARY KEY,
  status VARCHAR(10) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  rule_id INT NULL,
  district_code CHAR(6) NULL,
  routed_at DATETIME(3) NULL,
  due_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  KEY ix_complaint_routing_status (status, updated_at),
  KEY ix_complaint_routing_due (due_at),
  CONSTRAINT fk_complaint_routing_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Default rules: every category in every district goes to that district's lead agency of the
-- category's kind, with the category's deadline (safety hazards 24 h; the law's 15 working days is
-- the outer limit, a city wants much less).
INSERT IGNORE INTO routing_rules (category, district_code, agency_id, deadline_hours)
SELECT r.category, d.code, a.id, r.hours
FROM (
  SELECT 'seller_mismatch' AS category, 'gas' AS `lead`, 72 AS hours
  UNION ALL
  SELECT 'worker_mismatch' AS category, 'gas' AS `lead`, 72 AS hours
  UNION ALL
  SELECT 'cylinder_overdue' AS category, 'market' AS `lead`, 24 AS hours
  UNION ALL
  SELECT 'foreign_filled' AS category, 'market' AS `lead`, 72 AS hours
  UNION ALL
  SELECT 'black_gas' AS category, 'gas' AS `lead`, 24 AS hours
  UNION ALL
  SELECT 'illegal_storage' AS category, 'police' AS `lead`, 24 AS hours
  UNION ALL
  SELECT 'short_weight' AS category, 'market' AS `lead`, 120 AS hours
  UNION ALL
  SELECT 'gas_quality' AS category, 'market' AS `lead`, 24 AS hours
  UNION ALL
  SELECT 'damaged_cylinder' AS category, 'market' AS `lead`, 24 AS hours
  UNION ALL
  SELECT 'restaurant_hazard' AS category, 'gas' AS `lead`, 24 AS hours
  UNION ALL
  SELECT 'unsafe_transport' AS category, 'transport' AS `lead`, 48 AS hours
  UNION ALL
  SELECT 'service' AS category, 'gas' AS `lead`, 120 AS hours
) r
CROSS JOIN districts d
JOIN agencies a ON a.code = CONCAT(r.`lead`, '-', d.code);

INSERT IGNORE INTO routing_rule_informs (rule_id, agency_id)
SELECT rr.id, a.id
FROM (
  SELECT 'black_gas' AS category, 'police' AS co
  UNION ALL
  SELECT 'illegal_storage' AS category, 'gas' AS co
  UNION ALL
  SELECT 'restaurant_hazard' AS category, 'fire' AS co
) i
JOIN routing_rules rr ON rr.category = i.category
JOIN agencies a ON a.code = CONCAT(i.co, '-', rr.district_code);
