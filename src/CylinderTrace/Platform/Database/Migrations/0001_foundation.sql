-- 0001 foundation: reference data, enterprises, people, cylinders and their trace events.
-- Written for MySQL 8 and MariaDB 10.11 alike; every statement is safe to re-run.
-- Instants are UTC DATETIME(3); business dates (inspection, scrap) are DATE in Asia/Shanghai.

CREATE TABLE IF NOT EXISTS districts (
  code CHAR(6) NOT NULL PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  level VARCHAR(10) NOT NULL,
  parent_code CHAR(6) NULL,
  center_lat DECIMAL(9,6) NULL,
  center_lng DECIMAL(9,6) NULL,
  CONSTRAINT fk_districts_parent FOREIGN KEY (parent_code) REFERENCES districts (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS agencies (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(40) NOT NULL,
  name VARCHAR(100) NOT NULL,
  kind VARCHAR(30) NOT NULL,
  district_code CHAR(6) NOT NULL,
  parent_id INT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_agencies_code (code),
  KEY ix_agencies_kind_district (kind, district_code),
  CONSTRAINT fk_agencies_district FOREIGN KEY (district_code) REFERENCES districts (code),
  CONSTRAINT fk_agencies_parent FOREIGN KEY (parent_id) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Filling enterprises (kind 'filling', hold property rights of their cylinders) and supply stations
-- (kind 'supply', parent_id = the filling enterprise they sell for).
CREATE TABLE IF NOT EXISTS enterprises (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(10) NOT NULL,
  name VARCHAR(200) NOT NULL,
  licence_number VARCHAR(64) NOT NULL,
  parent_id INT NULL,
  district_code CHAR(6) NOT NULL,
  address VARCHAR(300) NOT NULL DEFAULT '',
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_enterprises_licence (licence_number),
  KEY ix_enterprises_parent (parent_id),
  KEY ix_enterprises_district (district_code, kind),
  CONSTRAINT fk_enterprises_parent FOREIGN KEY (parent_id) REFERENCES enterprises (id),
  CONSTRAINT fk_enterprises_district FOREIGN KEY (district_code) REFERENCES districts (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Delivery workers of a supply station. The public sees the masked name, employee and permit number.
CREATE TABLE IF NOT EXISTS delivery_workers (
  id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  enterprise_id INT NOT NULL,
  name VARCHAR(50) NOT NULL,
  employee_number VARCHAR(32) NOT NULL,
  permit_number VARCHAR(64) NOT NULL DEFAULT '',
  permit_valid_until DATE NULL,
  phone_enc VARBINARY(255) NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_workers_employee (enterprise_id, employee_number),
  KEY ix_workers_permit (permit_number),
  CONSTRAINT fk_workers_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Buyers. Personal data is never stored in clear: names, phones, ID numbers and household addresses
-- are AES-256-GCM ciphertext (*_enc); phones and ID numbers also have an HMAC-SHA256 look-up hash
-- (*_hash). A commercial user's business name and address are public business facts, kept in clear.
CREATE TABLE IF NOT EXISTS customers (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(12) NOT NULL,
  supply_station_id INT NOT NULL,
  district_code CHAR(6) NOT NULL,
  business_name VARCHAR(200) NULL,
  business_address VARCHAR(300) NULL,
  name_enc VARBINARY(255) NULL,
  phone_enc VARBINARY(255) NULL,
  phone_hash BINARY(32) NULL,
  id_number_enc VARBINARY(255) NULL,
  id_number_hash BINARY(32) NULL,
  address_enc VARBINARY(1024) NULL,
  external_id VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_customers_external (supply_station_id, external_id),
  KEY ix_customers_phone_hash (phone_hash),
  KEY ix_customers_id_number_hash (id_number_hash),
  KEY ix_customers_kind_district (kind, district_code),
  CONSTRAINT fk_customers_station FOREIGN KEY (supply_station_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per cylinder. The last_* columns are a denormalised summary of the newest fill and
-- delivery, maintained by whoever records those events, so the public card is one primary-key read.
-- detained is maintained by the detention feature (1 while an order is open).
CREATE TABLE IF NOT EXISTS cylinders (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  serial VARCHAR(64) NOT NULL,
  spec VARCHAR(16) NOT NULL,
  manufacturer VARCHAR(100) NOT NULL DEFAULT '',
  manufacture_date DATE NOT NULL,
  owner_id INT NOT NULL,
  supply_station_id INT NULL,
  last_inspection_date DATE NULL,
  next_inspection_date DATE NULL,
  scrap_date DATE NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'in_service',
  detained TINYINT(1) NOT NULL DEFAULT 0,
  last_fill_at DATETIME(3) NULL,
  last_fill_station_id INT NULL,
  last_delivery_at DATETIME(3) NULL,
  last_delivery_station_id INT NULL,
  last_delivery_worker_id INT NULL,
  last_delivery_customer_id BIGINT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY ux_cylinders_code (code),
  KEY ix_cylinders_owner (owner_id, status),
  KEY ix_cylinders_station (supply_station_id),
  KEY ix_cylinders_next_inspection (next_inspection_date),
  KEY ix_cylinders_scrap (scrap_date),
  CONSTRAINT fk_cylinders_owner FOREIGN KEY (owner_id) REFERENCES enterprises (id),
  CONSTRAINT fk_cylinders_station FOREIGN KEY (supply_station_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Event tables grow without bound: partitioned by month on their event time. Partitioned InnoDB
-- tables take no foreign keys, and every unique key includes the partitioning column.
CREATE TABLE IF NOT EXISTS fills (
  id BIGINT NOT NULL AUTO_INCREMENT,
  filled_at DATETIME(3) NOT NULL,
  cylinder_id BIGINT NOT NULL,
  station_id INT NOT NULL,
  owner_id INT NOT NULL,
  net_weight_kg DECIMAL(6,2) NULL,
  external_event_id VARCHAR(64) NULL,
  recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, filled_at),
  KEY ix_fills_cylinder (cylinder_id, filled_at),
  KEY ix_fills_station (station_id, filled_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (filled_at) (
  PARTITION p202501 VALUES LESS THAN ('2025-02-01'),
  PARTITION p202502 VALUES LESS THAN ('2025-03-01'),
  PARTITION p202503 VALUES LESS THAN ('2025-04-01'),
  PARTITION p202504 VALUES LESS THAN ('2025-05-01'),
  PARTITION p202505 VALUES LESS THAN ('2025-06-01'),
  PARTITION p202506 VALUES LESS THAN ('2025-07-01'),
  PARTITION p202507 VALUES LESS THAN ('2025-08-01'),
  PARTITION p202508 VALUES LESS THAN ('2025-09-01'),
  PARTITION p202509 VALUES LESS THAN ('2025-10-01'),
  PARTITION p202510 VALUES LESS THAN ('2025-11-01'),
  PARTITION p202511 VALUES LESS THAN ('2025-12-01'),
  PARTITION p202512 VALUES LESS THAN ('2026-01-01'),
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

CREATE TABLE IF NOT EXISTS deliveries (
  id BIGINT NOT NULL AUTO_INCREMENT,
  delivered_at DATETIME(3) NOT NULL,
  cylinder_id BIGINT NOT NULL,
  supply_station_id INT NOT NULL,
  worker_id INT NULL,
  customer_id BIGINT NOT NULL,
  external_event_id VARCHAR(64) NULL,
  recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, delivered_at),
  KEY ix_deliveries_cylinder (cylinder_id, delivered_at),
  KEY ix_deliveries_customer (customer_id, delivered_at),
  KEY ix_deliveries_worker (worker_id, delivered_at),
  KEY ix_deliveries_station (supply_station_id, delivered_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (delivered_at) (
  PARTITION p202501 VALUES LESS THAN ('2025-02-01'),
  PARTITION p202502 VALUES LESS THAN ('2025-03-01'),
  PARTITION p202503 VALUES LESS THAN ('2025-04-01'),
  PARTITION p202504 VALUES LESS THAN ('2025-05-01'),
  PARTITION p202505 VALUES LESS THAN ('2025-06-01'),
  PARTITION p202506 VALUES LESS THAN ('2025-07-01'),
  PARTITION p202507 VALUES LESS THAN ('2025-08-01'),
  PARTITION p202508 VALUES LESS THAN ('2025-09-01'),
  PARTITION p202509 VALUES LESS THAN ('2025-10-01'),
  PARTITION p202510 VALUES LESS THAN ('2025-11-01'),
  PARTITION p202511 VALUES LESS THAN ('2025-12-01'),
  PARTITION p202512 VALUES LESS THAN ('2026-01-01'),
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

CREATE TABLE IF NOT EXISTS inspections (
  id BIGINT NOT NULL AUTO_INCREMENT,
  inspected_on DATE NOT NULL,
  cylinder_id BIGINT NOT NULL,
  inspection_body VARCHAR(200) NOT NULL,
  result VARCHAR(10) NOT NULL,
  next_inspection_date DATE NULL,
  report_number VARCHAR(64) NULL,
  external_event_id VARCHAR(64) NULL,
  recorded_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id, inspected_on),
  KEY ix_inspections_cylinder (cylinder_id, inspected_on)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
PARTITION BY RANGE COLUMNS (inspected_on) (
  PARTITION p2010 VALUES LESS THAN ('2011-01-01'),
  PARTITION p2011 VALUES LESS THAN ('2012-01-01'),
  PARTITION p2012 VALUES LESS THAN ('2013-01-01'),
  PARTITION p2013 VALUES LESS THAN ('2014-01-01'),
  PARTITION p2014 VALUES LESS THAN ('2015-01-01'),
  PARTITION p2015 VALUES LESS THAN ('2016-01-01'),
  PARTITION p2016 VALUES LESS THAN ('2017-01-01'),
  PARTITION p2017 VALUES LESS THAN ('2018-01-01'),
  PARTITION p2018 VALUES LESS THAN ('2019-01-01'),
  PARTITION p2019 VALUES LESS THAN ('2020-01-01'),
  PARTITION p2020 VALUES LESS THAN ('2021-01-01'),
  PARTITION p2021 VALUES LESS THAN ('2022-01-01'),
  PARTITION p2022 VALUES LESS THAN ('2023-01-01'),
  PARTITION p2023 VALUES LESS THAN ('2024-01-01'),
  PARTITION p2024 VALUES LESS THAN ('2025-01-01'),
  PARTITION p2025 VALUES LESS THAN ('2026-01-01'),
  PARTITION p2026 VALUES LESS THAN ('2027-01-01'),
  PARTITION p2027 VALUES LESS THAN ('2028-01-01'),
  PARTITION pmax VALUES LESS THAN (MAXVALUE)
);
