-- 0014 Enterprise staff who bound their WeChat to the Official Account (issue 9: a detention order reaches
-- the responsible enterprise's staff there). An enterprise asks for a one-time code through the
-- integration API; its staff member sends "企业绑定 <code>" to the account. MySQL 8 and MariaDB 10.11 alike; safe to re-run.
CREATE TABLE IF NOT EXISTS enterprise_wechat_contacts (
  enterprise_id INT NOT NULL,
  openid VARCHAR(64) NOT NULL,
  bound_at DATETIME(3) NOT NULL,
  PRIMARY KEY (enterprise_id, openid),
  KEY ix_enterprise_wechat_contacts_openid (openid),
  CONSTRAINT fk_enterprise_wechat_contacts_enterprise FOREIGN KEY (enterprise_id) REFERENCES enterprises (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
