-- wrk script: POST /api/v1/registrations with a fresh, valid INSZ on every request.
-- Usage: wrk -s bench/wrk/registrations.lua URL (env LMB_BENCH_DAY, LMB_BENCH_CENTRE)
local counter = 0

local day = os.getenv("LMB_BENCH_DAY") or "2026-11-24"
local centre = os.getenv("LMB_BENCH_CENTRE") or "centre-000"
local threads = {}

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

local function insz(n)
  -- a unique birth date (1930-1999) and serial per n; check digits 97 - (body mod 97)
  local serial = n % 997 + 1
  local d = math.floor(n / 997)
  local dd = d % 28 + 1
  local mm = math.floor(d / 28) % 12 + 1
  local yy = 30 + math.floor(d / 336) % 70
  local body = string.format("%02d%02d%02d%03d", yy, mm, dd, serial)
  local check = 97 - (tonumber(body) % 97)
  return string.format("%s%02d", body, check)
end

request = function()
  counter = counter + 1
  local n = (thread_no or 0) * 10000000 + counter + (tonumber(os.getenv("LMB_BENCH_OFFSET") or "0"))
  local body = string.format(
    '{"kind":"self","language":"nl","persons":[{"insz":"%s","last_name":"Peeters",' ..
    '"first_name":"Jan","postcode":"9000","email":"p%d@example.be","mobile":"+32470123456"}],' ..
    '"centre_ids":["%s"],"availability":[{"date":"%s","half_day":"evening"},' ..
    '{"date":"%s","half_day":"morning"}]}', insz(n), n, centre, day, day)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local statuses = 0
  io.write(string.format("JSON {\"requests\": %d, \"duration_us\": %d, \"errors_status\": %d, " ..
    "\"errors_connect\": %d, \"errors_timeout\": %d, \"p50_us\": %d, \"p99_us\": %d}\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
