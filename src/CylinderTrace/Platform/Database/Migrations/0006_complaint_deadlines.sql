-- 0006 Deadline watch: when a complaint's handler was warned that its deadline is near, and when
-- an overdue complaint was escalated (to whom). One row per complaint, written by the watch job.
CREATE TABLE IF NOT EXISTS complaint_deadline_marks (
  complaint_id BIGINT NOT NULL PRIMARY KEY,
  warned_at DATETIME(3) NULL,
  escalated_at DATETIME(3) NULL,
  escalated_to INT NULL,
  CONSTRAINT fk_deadline_marks_complaint FOREIGN KEY (complaint_id) REFERENCES complaints (id),
  CONSTRAINT fk_deadline_marks_agency FOREIGN KEY (escalated_to) REFERENCES agencies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
