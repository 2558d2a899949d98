-- Unique visitors per day: distinct address hashes. The hash is salted per day, so a reader is one visitor a day
-- and cannot be followed from one day to the next.
-- Parameter 1: the first day (dt, 'yyyy-MM-dd', UTC) the report covers.
SELECT dt, count(DISTINCT ip_hash) AS visitors
FROM events
WHERE dt >= ?
GROUP BY dt
ORDER BY dt
