-- bench/wrk_report.lua: wrk's request and report for scripts/bench.
-- Owns: the one JSON line every wrk run prints, so the script compares runs by field, never by
-- scraping wrk's human text. Must never: vary the request per call (a static request keeps wrk's own
-- cost the same for the target and its baseline).
-- Environment: WRK_METHOD (GET), WRK_BODY (none), WRK_CONTENT_TYPE (application/json with a body).
local method = os.getenv("WRK_METHOD")
if method and method ~= "" then wrk.method = method end
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
    wrk.body = body
    wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format(
        '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        e.connect, e.read, e.write, e.timeout, e.status))
end
