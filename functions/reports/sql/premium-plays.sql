-- Premium plays: premium photos and videos opened, per item (the premium key) per day.
-- Parameter 1: the first day (dt, 'yyyy-MM-dd', UTC) the report covers.
SELECT dt, target, count(DISTINCT event_id) AS plays
FROM events
WHERE event_type = 'premium_open' AND target IS NOT NULL AND dt >= ?
GROUP BY dt, target
ORDER BY dt, plays DESC, target
