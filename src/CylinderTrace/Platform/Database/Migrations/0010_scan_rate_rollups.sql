-- 0010 Scan-rate roll-ups (DESIGN.md §5, issue 8): matched receiving scans ÷ deliveries to commercial
-- customers, per customer, delivery worker, supply station, filling enterprise and district, for each
-- Asia/Shanghai day, ISO week (starting Monday) and calendar month. Deliveries are counted on the day
-- they were made; a scan counts for the delivery it answers. Rebuilt from deliveries and
-- receiving_scan_deliveries at any time (ScanRateRollups), so the rows are derived data.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS scan_rate_rollups (
  period CHAR(1) NOT NULL,
  period_start DATE NOT NULL,
  dimension VARCHAR(10) NOT NULL,
  subject_id BIGINT NOT NULL,
  district_code CHAR(6) NOT NULL,
  deliveries INT NOT NULL,
  scanned INT NOT NULL,
  PRIMARY KEY (period, period_start, dimension, subject_id),
  KEY ix_scan_rate_rollups_district (period, period_start, dimension, district_code),
  KEY ix_scan_rate_rollups_subject (dimension, subject_id, period, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- When each period's rows were last computed, and by which run (refresh or reconcile).
CREATE TABLE IF NOT EXISTS scan_rate_refreshes (
  period CHAR(1) NOT NULL,
  period_start DATE NOT NULL,
  refreshed_at DATETIME(3) NOT NULL,
  source VARCHAR(12) NOT NULL,
  PRIMARY KEY (period, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
