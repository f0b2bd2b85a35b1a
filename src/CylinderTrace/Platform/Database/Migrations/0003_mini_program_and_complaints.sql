-- 0003 Mini Program users, complaints with their public timeline, photos, and complaint numbers.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.

-- A Mini Program user, known by openid. Sessions live in Redis.
CREATE TABLE IF NOT EXISTS mp_users (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  openid VARCHAR(64) NOT NULL,
  unionid VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_login_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_mp_users_openid (openid)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Public complaint numbers TS<yyyyMMdd>-<NNNNNN>: one counter row per Asia/Shanghai day.
CREATE TABLE IF NOT EXISTS complaint_numbers (
  day DATE NOT NULL PRIMARY KEY,
  `last_value` INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A complaint. status: submitted, routed, in_progress, waiting_info, resolved, rejected, duplicate,
-- closed, withdrawn. The contact phone is ciphertext (and an HMAC for look-up), never shown back in full.
-- (user_id, idempotency_key) makes a retried submission return the complaint it made the first time.
CREATE TABLE IF NOT EXISTS complaints (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number VARCHAR(20) NOT NULL,
  user_id BIGINT NOT NULL,
  idempotency_key VARCHAR(64) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  category VARCHAR(40) NOT NULL,
  description VARCHAR(2000) NOT NULL,
  cylinder_code VARCHAR(32) NULL,
  card_snapshot JSON NULL,
  latitude DECIMAL(9,6) NULL,
  longitude DECIMAL(9,6) NULL,
  district_code CHAR(6) NULL,
  address VARCHAR(300) NULL,
  contact_phone_enc VARBINARY(255) NULL,
  contact_phone_hash BINARY(32) NULL,
  contact_phone_masked VARCHAR(20) NULL,
  status VARCHAR(20) NOT NULL,
  agency_id INT NULL,
  public_reply VARCHAR(2000) NULL,
  rating TINYINT NULL,
  rating_comment VARCHAR(500) NULL,
  rated_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY ux_complaints_number (number),
  UNIQUE KEY ux_complaints_idempotency (user_id, idempotency_key),
  KEY ix_complaints_user (user_id, created_at),
  KEY ix_complaints_status (status, created_at),
  KEY ix_complaints_agency (agency_id, status),
  KEY ix_complaints_cylinder (cylinder_code),
  CONSTRAINT fk_complaints_user FOREIGN KEY (user_id) REFERENCES mp_users (id),
  CONSTRAINT fk_complaints_district FOREIGN KEY (district_code) REFERENCES districts (code),
  CONSTRAINT fk_complaints_agency FOREIGN KEY (agency_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every step of a complaint: who (actor), when, what (kind), why (text). is_public = shown on the
-- complainant's timeline.
CREATE TABLE IF NOT EXISTS complaint_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  complaint_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  kind VARCHAR(30) NOT NULL,
  actor VARCHAR(100) NOT NULL,
  is_public TINYINT(1) NOT NULL,
  text VARCHAR(2000) NULL,
  agency_id INT NULL,
  KEY ix_complaint_events_complaint (complaint_id, at),
  CONSTRAINT fk_complaint_events_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Photos, content-addressed (SHA-256 of the stored bytes, after metadata was stripped).
CREATE TABLE IF NOT EXISTS photos (
  sha256 CHAR(64) NOT NULL PRIMARY KEY,
  content_type VARCHAR(20) NOT NULL,
  bytes INT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who uploaded which photo (the same bytes may come from two users; each may use them).
CREATE TABLE IF NOT EXISTS photo_uploads (
  sha256 CHAR(64) NOT NULL,
  user_id BIGINT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (sha256, user_id),
  KEY ix_photo_uploads_user (user_id),
  CONSTRAINT fk_photo_uploads_photo FOREIGN KEY (sha256) REFERENCES photos (sha256),
  CONSTRAINT fk_photo_uploads_user FOREIGN KEY (user_id) REFERENCES mp_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS complaint_photos (
  complaint_id BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  position TINYINT NOT NULL,
  PRIMARY KEY (complaint_id, sha256),
  KEY ix_complaint_photos_photo (sha256),
  CONSTRAINT fk_complaint_photos_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id),
  CONSTRAINT fk_complaint_photos_photo FOREIGN KEY (sha256) REFERENCES photos (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
