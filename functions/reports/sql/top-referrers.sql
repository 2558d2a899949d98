-- Top referrers: the ten hosts that referred the most page views each day (ties by host name).
-- Parameter 1: the first day (dt, 'yyyy-MM-dd', UTC) the report covers.
SELECT dt, referrer_host, views
FROM (
  SELECT dt, referrer_host, views, row_number() OVER (PARTITION BY dt ORDER BY views DESC, referrer_host) AS place
  FROM (
    SELECT dt, referrer_host, count(DISTINCT event_id) AS views
    FROM events
    WHERE event_type = 'page_view' AND referrer_host IS NOT NULL AND dt >= ?
    GROUP BY dt, referrer_host
  ) AS per_host
) AS ranked
WHERE place <= 10
ORDER BY dt, place
