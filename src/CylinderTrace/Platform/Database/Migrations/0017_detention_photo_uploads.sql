-- 0017 A detention order's photos are its inspector's own uploads (issue 16, item 2). Before this, an
-- order could name any stored photo by its id, so an inspector of an agency merely informed of a
-- complaint could attach the complainant's photo to an order and download it through the order.
-- Each upload an inspector makes for detention is now a row here (who, when); an order claims its
-- photos from the issuing inspector's uploads not yet used by an order (order_id set in the issuing
-- transaction), and only links backed by such a row are listed and served.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS detention_photo_uploads (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sha256 CHAR(64) NOT NULL,
  staff_id INT NOT NULL,
  uploaded_at DATETIME(3) NOT NULL,
  order_id BIGINT NULL,
  UNIQUE KEY ux_detention_photo_uploads_order (order_id, sha256),
  KEY ix_detention_photo_uploads_staff (staff_id, order_id, sha256),
  CONSTRAINT fk_detention_photo_uploads_photo FOREIGN KEY (sha256) REFERENCES photos (sha256),
  CONSTRAINT fk_detention_photo_uploads_staff FOREIGN KEY (staff_id) REFERENCES staff (id),
  CONSTRAINT fk_detention_photo_uploads_order FOREIGN KEY (order_id) REFERENCES detention_orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Orders issued before this: their inspectors' console uploads were not recorded, so each existing link
-- counts as the issuing inspector's upload, except a photo that a Mini Program user uploaded (a
-- complainant's): such a link stays in detention_photos as a record of what happened, but is no longer
-- listed or served.
INSERT IGNORE INTO detention_photo_uploads (sha256, staff_id, uploaded_at, order_id)
SELECT p.sha256, o.issued_by, o.issued_at, p.order_id
FROM detention_photos p JOIN detention_orders o ON o.id = p.order_id JOIN staff s ON s.id = o.issued_by
WHERE NOT EXISTS (SELECT 1 FROM photo_uploads u WHERE u.sha256 = p.sha256);
