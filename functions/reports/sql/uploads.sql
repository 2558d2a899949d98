-- Uploads per day: photos uploaded, and by how many distinct readers.
-- Parameter 1: the first day (dt, 'yyyy-MM-dd', UTC) the report covers.
SELECT dt, count(DISTINCT event_id) AS uploads, count(DISTINCT ip_hash) AS uploaders
FROM events
WHERE event_type = 'photo_upload' AND dt >= ?
GROUP BY dt
ORDER BY dt
