-- wrk script for bench/listing.py: sends the bearer token from $TOKEN and, at the end, prints
-- one line "RESULT {json}" with the request count, duration, latency percentiles (µs) and errors.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
