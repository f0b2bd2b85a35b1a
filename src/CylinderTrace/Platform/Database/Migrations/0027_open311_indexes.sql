-- Open311's GET requests (Complaints/Open311Api): complaints of a period, newest first, optionally of one category
-- (service_code), with the status filter in the same WHERE clause. Without these the period's rows were read in full
-- and sorted. Plain CREATE INDEX, as MySQL 8 and MariaDB both take it; both build a secondary index in place while the
-- table stays writable. Re-running after an index was made is safe: the migration runner takes "duplicate key name"
-- (1061) on a CREATE INDEX as already done (MigrationRunner.ExecuteStatementAsync).
CREATE INDEX ix_complaints_created ON complaints (created_at);
CREATE INDEX ix_complaints_category_created ON complaints (category, created_at);
