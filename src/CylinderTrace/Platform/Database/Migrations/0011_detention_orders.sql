-- 0011 Online detention (在线扣瓶, DESIGN.md §6, issue 9): an inspector's order to the responsible
-- enterprise to recall a hazardous cylinder; while it is open the cylinder is detained (cylinders.detained)
-- on the public card, the fill check and receiving scans. MySQL 8 and MariaDB 10.11 alike; safe to re-run.
-- status: open → acknowledged → recalled → closed (disposal: released, inspection, scrapped); an order
-- not recalled by its deadline is escalated (escalated_at) and counts against the enterprise's score.
CREATE TABLE IF NOT EXISTS detention_orders (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number VARCHAR(24) NULL,
  cylinder_id BIGINT NOT NULL,
  cylinder_code VARCHAR(32) NOT NULL,
  agency_id INT NOT NULL,
  issued_by INT NOT NULL,
  hazard VARCHAR(1000) NOT NULL,
  responsible_enterprise_id INT NOT NULL,
  responsibility VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL,
  issued_at DATETIME(3) NOT NULL,
  deadline_at DATETIME(3) NOT NULL,
  acknowledged_at DATETIME(3) NULL,
  recalled_at DATETIME(3) NULL,
  recall_place VARCHAR(300) NULL,
  escalated_at DATETIME(3) NULL,
  closed_at DATETIME(3) NULL,
  disposal VARCHAR(16) NULL,
  UNIQUE KEY ux_detention_orders_number (number),
  KEY ix_detention_orders_cylinder (cylinder_id, status),
  KEY ix_detention_orders_enterprise (responsible_enterprise_id, status, deadline_at),
  KEY ix_detention_orders_agency (agency_id, status, deadline_at),
  KEY ix_detention_orders_deadline (status, deadline_at),
  CONSTRAINT fk_detention_orders_cylinder FOREIGN KEY (cylinder_id) REFERENCES cylinders (id),
  CONSTRAINT fk_detention_orders_agency FOREIGN KEY (agency_id) REFERENCES agencies (id),
  CONSTRAINT fk_detention_orders_enterprise FOREIGN KEY (responsible_enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS detention_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT NOT NULL,
  at DATETIME(3) NOT NULL,
  kind VARCHAR(20) NOT NULL,
  actor VARCHAR(100) NOT NULL,
  text VARCHAR(1000) NULL,
  KEY ix_detention_events_order (order_id, at),
  CONSTRAINT fk_detention_events_order FOREIGN KEY (order_id) REFERENCES detention_orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Photos of the hazard (content-addressed files of the photos table).
CREATE TABLE IF NOT EXISTS detention_photos (
  order_id BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  position TINYINT NOT NULL,
  PRIMARY KEY (order_id, sha256),
  CONSTRAINT fk_detention_photos_order FOREIGN KEY (order_id) REFERENCES detention_orders (id),
  CONSTRAINT fk_detention_photos_photo FOREIGN KEY (sha256) REFERENCES photos (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
