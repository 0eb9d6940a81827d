-- wrk script: GET a list endpoint or page (PATH_UNDER_TEST) as the holder of TOKEN (API) or of
-- the session SESSION (pages, as a browser would).
local token = os.getenv("TOKEN")
local session = os.getenv("SESSION")
local path = os.getenv("PATH_UNDER_TEST")

function request()
  if session then
    return wrk.format("GET", path, {["Cookie"] = "sessionid=" .. session})
  end
  return wrk.format("GET", path, {["Authorization"] = "Token " .. token})
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f per_second=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f non_2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
