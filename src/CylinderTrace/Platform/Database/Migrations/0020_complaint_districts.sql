-- 0020 A complaint keeps the district its routing derived (issue 17, item 5). Until now the router wrote
-- the district it found from the location or the cylinder's supply station only on complaint_routing, so
-- complaints.district_code stayed NULL (or the city) and queues and digests counted such complaints under
-- no district. The router now writes it on the complaint; this fills it in for complaints routed before.
-- A multi-table UPDATE: MySQL 8 and MariaDB 10.11 alike; safe to re-run (it only fills what is still empty).
UPDATE complaints c JOIN complaint_routing r ON r.complaint_id = c.id
SET c.district_code = r.district_code
WHERE r.district_code IS NOT NULL AND r.district_code <> '350100' AND (c.district_code IS NULL OR c.district_code = '350100');
