-- wrk script: file birth bundles through POST /api/v1/bundles/ (or PATH_UNDER_TEST), each with its own child.
-- TOKEN and BIRTH_DATE come from the environment (bench/run.sh sets them).
local token = os.getenv("TOKEN")
local born = os.getenv("BIRTH_DATE")
local run = os.getenv("RUN_ID")
local communes = {"16690", "17329"}
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

-- The dossier of bench/filing.json (bench/cpu.py files the same), its blanks filled per request.
local file = assert(io.open("bench/filing.json"))
local dossier = file:read("*a")
file:close()

function request()
  counter = counter + 1
  local body = dossier
    :gsub('"commune": "16690"', '"commune": "' .. communes[(counter % 2) + 1] .. '"', 1)
    :gsub('"date_of_birth": ""', '"date_of_birth": "' .. born .. '"', 1)
    :gsub('"birth_certificate_number": ""',
          string.format('"birth_certificate_number": "BENCH-%s-%d-%d"', run, tid, counter), 1)
  return wrk.format("POST", os.getenv("PATH_UNDER_TEST") or "/api/v1/bundles/",
    {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token}, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f per_second=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f non_2xx=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
