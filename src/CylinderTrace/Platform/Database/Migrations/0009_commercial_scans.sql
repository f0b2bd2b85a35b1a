-- 0009 Commercial users' receiving scans (DESIGN.md §5): invites that bind a restaurant's staff to
-- their commercial customer record, the members, and the scans with their outcome. MySQL 8 and
-- MariaDB 10.11 alike; safe to re-run.

-- A one-time invite for a commercial customer, issued by its supply station (or an administrator).
-- Only the code's SHA-256 is kept: the code itself is a secret handed to the restaurant.
CREATE TABLE IF NOT EXISTS commercial_invites (
  code_hash BINARY(32) NOT NULL PRIMARY KEY,
  customer_id BIGINT NOT NULL,
  role VARCHAR(10) NOT NULL,
  created_by VARCHAR(100) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  used_by BIGINT NULL,
  KEY ix_commercial_invites_customer (customer_id),
  CONSTRAINT fk_commercial_invites_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Mini Program users bound to a commercial customer: owner or staff.
CREATE TABLE IF NOT EXISTS commercial_members (
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  role VARCHAR(10) NOT NULL,
  joined_at DATETIME(3) NOT NULL,
  removed_at DATETIME(3) NULL,
  PRIMARY KEY (customer_id, user_id),
  KEY ix_commercial_members_user (user_id),
  CONSTRAINT fk_commercial_members_customer FOREIGN KEY (customer_id) REFERENCES customers (id),
  CONSTRAINT fk_commercial_members_user FOREIGN KEY (user_id) REFERENCES mp_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Receiving scans. outcome: matched, no_matching_delivery, not_contracted, unsafe. delivery_id links
-- the delivery the scan answers (also for an unsafe cylinder that was properly delivered).
CREATE TABLE IF NOT EXISTS receiving_scans (
  id BIGINT NOT NULL AUTO_INCREMENT,
  scanned_at DATETIME(3) NOT NULL,
  customer_id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  cylinder_code VARCHAR(32) NOT NULL,
  cylinder_id BIGINT NULL,
  outcome VARCHAR(24) NOT NULL,
  status_code VARCHAR(24) NULL,
  delivery_id BIGINT NULL,
  delivered_at DATETIME(3) NULL,
  delivery_station_id INT NULL,
  worker_id INT NULL,
  latitude DECIMAL(9,6) NULL,
  longitude DECIMAL(9,6) NULL,
  recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, scanned_at),
  KEY ix_receiving_scans_customer (customer_id, scanned_at),
  KEY ix_receiving_scans_cylinder (cylinder_id, scanned_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (scanned_at) (
  PARTITION p202601 VALUES LESS THAN ('2026-02-01'),
  PARTITION p202602 VALUES LESS THAN ('2026-03-01'),
  PARTITION p202603 VALUES LESS THAN ('2026-04-01'),
  PARTITION p202604 VALUES LESS THAN ('2026-05-01'),
  PARTITION p202605 VALUES LESS THAN ('2026-06-01'),
  PARTITION p202606 VALUES LESS THAN ('2026-07-01'),
  PARTITION p202607 VALUES LESS THAN ('2026-08-01'),
  PARTITION p202608 VALUES LESS THAN ('2026-09-01'),
  PARTITION p202609 VALUES LESS THAN ('2026-10-01'),
  PARTITION p202610 VALUES LESS THAN ('2026-11-01'),
  PARTITION p202611 VALUES LESS THAN ('2026-12-01'),
  PARTITION p202612 VALUES LESS THAN ('2027-01-01'),
  PARTITION p202701 VALUES LESS THAN ('2027-02-01'),
  PARTITION p202702 VALUES LESS THAN ('2027-03-01'),
  PARTITION p202703 VALUES LESS THAN ('2027-04-01'),
  PARTITION p202704 VALUES LESS THAN ('2027-05-01'),
  PARTITION p202705 VALUES LESS THAN ('2027-06-01'),
  PARTITION p202706 VALUES LESS THAN ('2027-07-01'),
  PARTITION p202707 VALUES LESS THAN ('2027-08-01'),
  PARTITION p202708 VALUES LESS THAN ('2027-09-01'),
  PARTITION p202709 VALUES LESS THAN ('2027-10-01'),
  PARTITION p202710 VALUES LESS THAN ('2027-11-01'),
  PARTITION p202711 VALUES LESS THAN ('2027-12-01'),
  PARTITION p202712 VALUES LESS THAN ('2028-01-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE)
);

-- One scan per delivery: scanning the same cylinder for the same delivery again changes nothing.
CREATE TABLE IF NOT EXISTS receiving_scan_deliveries (
  delivery_id BIGINT NOT NULL PRIMARY KEY,
  delivered_at DATETIME(3) NOT NULL,
  customer_id BIGINT NOT NULL,
  scan_id BIGINT NOT NULL,
  scanned_at DATETIME(3) NOT NULL,
  KEY ix_receiving_scan_deliveries_customer (customer_id, delivered_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
