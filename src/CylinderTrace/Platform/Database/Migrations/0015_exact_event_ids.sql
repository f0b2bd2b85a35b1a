-- 0015 An enterprise's event ids are compared exactly (issue 7). Under utf8mb4_unicode_ci "f-1" and "F-1"
-- were one key to the database but two to the host (which compares ids ordinally), so a batch holding
-- both failed on the primary key instead of storing two events. The binary collation makes the
-- database agree with the host; it also makes the key's comparisons cheaper. Converting to a binary
-- collation can only make values more distinct, so existing rows stay unique.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.
ALTER TABLE ingested_events MODIFY external_event_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
