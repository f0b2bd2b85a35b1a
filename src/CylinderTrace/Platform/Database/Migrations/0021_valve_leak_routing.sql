-- 0021 Leaks are their own urgent complaint category (issue 17, item 2): `valve_leak` (瓶阀、胶管漏气),
-- split from damaged_cylinder. Default rules, as 0005 made for the others: every district (and the city)
-- routes it to its gas authority, which has the supplying enterprise replace the cylinder, within 2 hours
-- (Routing:UrgentDeadlineHours is the most such a rule may say), and informs its fire brigade and its
-- market supervision bureau (the valve is part of the cylinder, special equipment). The router informs the
-- fire brigade of an urgent complaint even where a rule no longer names it.
-- MySQL 8 and MariaDB 10.11 alike; safe to re-run.
INSERT IGNORE INTO routing_rules (category, district_code, agency_id, deadline_hours)
SELECT 'valve_leak', d.code, a.id, 2
FROM districts d
JOIN agencies a ON a.code = CONCAT('gas-', d.code);

INSERT IGNORE INTO routing_rule_informs (rule_id, agency_id)
SELECT rr.id, a.id
FROM (
  SELECT 'fire' AS co
  UNION ALL
  SELECT 'market' AS co
) i
JOIN routing_rules rr ON rr.category = 'valve_leak'
JOIN agencies a ON a.code = CONCAT(i.co, '-', rr.district_code);
