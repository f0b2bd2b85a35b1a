-- 0019 Inspection bodies (气瓶检验机构) as clients of the integration API of their own kind (issue 17, item 3).
-- An inspection body is approved by market supervision (核准证) and inspects cylinders of every owner, so
-- its keys may report inspections of any cylinder and call nothing else; enterprises' keys stay in
-- integration_keys. A body's event ids are kept in ingested_events under kind 'ib_inspect' with
-- enterprise_id holding the body's id (the two id spaces never meet: every other kind is an enterprise's).
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS inspection_bodies (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  approval_number VARCHAR(64) NOT NULL,
  district_code CHAR(6) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_inspection_bodies_approval (approval_number),
  CONSTRAINT fk_inspection_bodies_district FOREIGN KEY (district_code) REFERENCES districts (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An inspection body's API key: kept, rotated and revoked as integration_keys are (the secret is
-- AES-256-GCM ciphertext under Privacy:EncryptionKey).
CREATE TABLE IF NOT EXISTS inspection_body_keys (
  key_id VARCHAR(40) NOT NULL PRIMARY KEY,
  inspection_body_id INT NOT NULL,
  secret_enc VARBINARY(255) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NULL,
  revoked_at DATETIME(3) NULL,
  last_used_at DATETIME(3) NULL,
  KEY ix_inspection_body_keys_body (inspection_body_id),
  CONSTRAINT fk_inspection_body_keys_body FOREIGN KEY (inspection_body_id) REFERENCES inspection_bodies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
