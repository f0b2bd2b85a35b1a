-- Issue 20: an enterprise's sandbox keys (integration-key create --sandbox). A sandbox key's batches are
-- checked and answered exactly like production, then rolled back, so an enterprise can test its
-- integration against the real registry without storing anything. A table of its own, not a column:
-- a new table (IF NOT EXISTS) re-runs safely on MySQL 8 and MariaDB 10.11 (ADD COLUMN IF NOT EXISTS is MariaDB-only).
CREATE TABLE IF NOT EXISTS integration_sandbox_keys (
  key_id VARCHAR(40) NOT NULL PRIMARY KEY,
  CONSTRAINT fk_integration_sandbox_keys_key FOREIGN KEY (key_id) REFERENCES integration_keys (key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
