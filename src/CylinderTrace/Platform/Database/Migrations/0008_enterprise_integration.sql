-- 0008 Enterprise integration: API keys of enterprises, the event ids already ingested (so a
-- repeated batch stores nothing twice), and returns of empty cylinders. MySQL 8 and MariaDB 10.11
-- alike; safe to re-run.

-- An enterprise's API key. The secret signs requests (HMAC-SHA256), so it must be kept, not hashed:
-- it is AES-256-GCM ciphertext under Privacy:EncryptionKey. A rotated key stays valid until
-- expires_at (a grace period for the enterprise to switch); a revoked key is refused at once.
CREATE TABLE IF NOT EXISTS integration_keys (
  key_id VARCHAR(40) NOT NULL PRIMARY KEY,
  enterprise_id INT NOT NULL,
  secret_enc VARBINARY(255) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NULL,
  revoked_at DATETIME(3) NULL,
  last_used_at DATETIME(3) NULL,
  KEY ix_integration_keys_enterprise (enterprise_id),
  CONSTRAINT fk_integration_keys_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every event an enterprise sent, by its own id: the event tables are partitioned and cannot hold a
-- unique key on it. A fill may name the fill check it passed (check_id).
CREATE TABLE IF NOT EXISTS ingested_events (
  enterprise_id INT NOT NULL,
  kind VARCHAR(12) NOT NULL,
  external_event_id VARCHAR(64) NOT NULL,
  cylinder_id BIGINT NOT NULL,
  event_at DATETIME(3) NOT NULL,
  check_id VARCHAR(100) NULL,
  recorded_at DATETIME(3) NOT NULL,
  PRIMARY KEY (enterprise_id, kind, external_event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Empty cylinders collected back from customers by a supply station.
CREATE TABLE IF NOT EXISTS empty_returns (
  id BIGINT NOT NULL AUTO_INCREMENT,
  returned_at DATETIME(3) NOT NULL,
  cylinder_id BIGINT NOT NULL,
  supply_station_id INT NOT NULL,
  customer_id BIGINT NULL,
  external_event_id VARCHAR(64) NULL,
  recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, returned_at),
  KEY ix_empty_returns_cylinder (cylinder_id, returned_at),
  KEY ix_empty_returns_station (supply_station_id, returned_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (returned_at) (
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

-- Where an enterprise wants its notifications pushed (signed webhook); the secret signs each call and
-- is AES-256-GCM ciphertext under Privacy:EncryptionKey.
CREATE TABLE IF NOT EXISTS enterprise_webhooks (
  enterprise_id INT NOT NULL PRIMARY KEY,
  url VARCHAR(500) NOT NULL,
  secret_enc VARBINARY(255) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_enterprise_webhooks_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Notifications to enterprises (detention orders and the like): the outbox. Written in the
-- transaction of what they announce; pushed by a Hangfire job with retries; always readable by the
-- enterprise through the pull endpoint, which also acknowledges them.
CREATE TABLE IF NOT EXISTS enterprise_notifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  enterprise_id INT NOT NULL,
  kind VARCHAR(40) NOT NULL,
  payload JSON NOT NULL,
  created_at DATETIME(3) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NULL,
  last_error VARCHAR(500) NULL,
  delivered_at DATETIME(3) NULL,
  delivered_by VARCHAR(10) NULL,
  KEY ix_enterprise_notifications_enterprise (enterprise_id, id),
  KEY ix_enterprise_notifications_due (delivered_at, next_attempt_at),
  CONSTRAINT fk_enterprise_notifications_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
