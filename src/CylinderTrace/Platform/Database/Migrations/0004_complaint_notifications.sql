-- 0004 Notifications to complainants (subscribe messages). The row is written in the same
-- transaction as the change it announces, so the database, not the job queue, records what still
-- has to be sent; a Hangfire job sends it and a recurring job finds any that were missed.

CREATE TABLE IF NOT EXISTS complaint_notifications (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT NOT NULL,
  kind VARCHAR(20) NOT NULL,
  status VARCHAR(20) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY ux_complaint_notifications_kind (complaint_id, kind),
  KEY ix_complaint_notifications_status (status, updated_at),
  CONSTRAINT fk_complaint_notifications_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per sending attempt: outcome sent, declined (43101), failed (not retried) or error (retried).
CREATE TABLE IF NOT EXISTS complaint_notification_attempts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  notification_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  outcome VARCHAR(20) NOT NULL,
  errcode INT NULL,
  detail VARCHAR(500) NULL,
  KEY ix_notification_attempts (notification_id, at),
  CONSTRAINT fk_notification_attempts_notification FOREIGN KEY (notification_id) REFERENCES complaint_notifications (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
