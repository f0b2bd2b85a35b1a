-- 0012 Enterprise scores and credit grades (DESIGN.md §6, issue 9): per enterprise (filling enterprises
-- with their stations, and each supply station) per calendar month and per rolling 30 days, the counts
-- behind each rate, the rates, the composite and the grade; every computation is kept (history), and
-- grade changes are recorded. MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS enterprise_scores (
  enterprise_id INT NOT NULL,
  period VARCHAR(10) NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  computed_at DATETIME(3) NOT NULL,
  deliveries INT NOT NULL,
  real_name_deliveries INT NOT NULL,
  permitted_deliveries INT NOT NULL,
  fills INT NOT NULL,
  traced_fills INT NOT NULL,
  restaurant_deliveries INT NOT NULL,
  scanned_deliveries INT NOT NULL,
  escalated_orders INT NOT NULL,
  real_name_rate DECIMAL(6,4) NULL,
  traceability_rate DECIMAL(6,4) NULL,
  delivery_rate DECIMAL(6,4) NULL,
  scan_rate DECIMAL(6,4) NULL,
  composite DECIMAL(6,2) NULL,
  grade CHAR(1) NULL,
  PRIMARY KEY (enterprise_id, period, period_start),
  KEY ix_enterprise_scores_period (period, period_start, composite),
  CONSTRAINT fk_enterprise_scores_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS enterprise_grade_changes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  enterprise_id INT NOT NULL,
  at DATETIME(3) NOT NULL,
  period VARCHAR(10) NOT NULL,
  period_start DATE NOT NULL,
  from_grade CHAR(1) NULL,
  to_grade CHAR(1) NULL,
  composite DECIMAL(6,2) NULL,
  KEY ix_enterprise_grade_changes (enterprise_id, at),
  KEY ix_enterprise_grade_changes_at (at),
  CONSTRAINT fk_enterprise_grade_changes_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
