-- Console sessions kept on the server (security issue 16): signing out ends a session for every copy of its
-- cookie, and a session ends a fixed time after sign-in however active (Console:SessionAbsoluteHours).
-- The cookie carries a random token; this table holds only its SHA-256, so a copy of the table opens nothing.
-- staff.failed_logins and staff.locked_until are no longer used: sign-in failures are counted in Redis per
-- address and per username (a hard lock let anyone lock an account out); the columns stay for older instances
-- during a rolling upgrade.
CREATE TABLE IF NOT EXISTS staff_sessions (
  id BINARY(32) NOT NULL PRIMARY KEY,
  staff_id INT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NULL,
  KEY ix_staff_sessions_staff (staff_id, expires_at),
  CONSTRAINT fk_staff_sessions_staff FOREIGN KEY (staff_id) REFERENCES staff (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
