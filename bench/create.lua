-- wrk script: file birth bundles through POST /api/v1/bundles/, each with its own child.
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

-- THINK_MS: each connection waits about that long (half to one and a half times) between requests,
-- as a person does between two clicks; without it, each sends its next request at once.
local think = tonumber(os.getenv("THINK_MS") or "0")
if think > 0 then
  function delay() return math.random(math.floor(think / 2), math.floor(think * 3 / 2)) end
end

function request()
  counter = counter + 1
  local body = string.format([[{"kind":"birth","procedures":["birth_registration","permanent_residence","health_insurance_card"],
"channel":"online","commune":"%s","needs_verification":false,
"applicant":{"full_name":"Nguyễn Thị Lan","id_number":"040195001234","relationship":"mother","phone":"0912345678"},
"child":{"full_name":"Trần Minh An","sex":"female","date_of_birth":"%s","place_of_birth":"Bệnh viện Sản Nhi Nghệ An",
"ethnicity":"Kinh","nationality":"VN","birth_certificate_number":"BENCH-%s-%d-%d"},
"mother":{"full_name":"Nguyễn Thị Lan","date_of_birth":"1995-05-01","id_number":"040195001234"},
"father":{"full_name":"Trần Văn Bình","date_of_birth":"1993-01-09","id_number":"040093005678"},
"residence":{"address":"Số 5, đường Lê Hồng Phong","household_head":{"full_name":"Trần Văn Bình",
"id_number":"040093005678","relationship_to_child":"father"},"household_head_consent":true,"owner_consent":true},
"insurance":{"initial_clinic":"Trạm y tế phường Trường Vinh"},"delivery":"electronic"}]],
    communes[(counter % 2) + 1], born, run, tid, counter)
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
