-- 0028 Photos on a black-gas detention (issue 18): as on a detention order, the photos are the issuing inspector's own
-- uploads for detention (detention_photo_uploads), each used by one detention only, served only through it. An upload is
-- taken by a detention order (detention_photo_uploads.order_id) or by a black-gas detention (a row here, one per upload),
-- never both. MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS black_gas_detention_photos (
  detention_id BIGINT NOT NULL,
  upload_id BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  position TINYINT NOT NULL,
  PRIMARY KEY (detention_id, sha256),
  UNIQUE KEY ux_black_gas_detention_photos_upload (upload_id),
  CONSTRAINT fk_black_gas_detention_photos_detention FOREIGN KEY (detention_id) REFERENCES black_gas_detentions (id),
  CONSTRAINT fk_black_gas_detention_photos_upload FOREIGN KEY (upload_id) REFERENCES detention_photo_uploads (id),
  CONSTRAINT fk_black_gas_detention_photos_photo FOREIGN KEY (sha256) REFERENCES photos (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
