-- Views per post per day: page views of the blog's posts (/posts/…), counted once per event id.
-- Parameter 1: the first day (dt, 'yyyy-MM-dd', UTC) the report covers.
SELECT dt, path, count(DISTINCT event_id) AS views
FROM events
WHERE event_type = 'page_view' AND path LIKE '/posts/%' AND dt >= ?
GROUP BY dt, path
ORDER BY dt, views DESC, path
