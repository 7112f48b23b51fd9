-- bench/run's wrk script: a session cookie per request (round-robin over BENCH_COOKIES,
-- comma-separated session keys), every answer checked for status 200 and for
-- BENCH_MARKER in the body, and a JSON summary line at the end for bench/run.py to read.
-- With BENCH_PATHS (a file, one path a line) each request asks the next path instead of the
-- URL's: thread k of BENCH_THREADS takes lines k, k + BENCH_THREADS, ..., so no path is asked
-- twice until the list is used up (then it starts again).

local cookies = {}
for key in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^,]+") do
  table.insert(cookies, key)
end
local marker = os.getenv("BENCH_MARKER") or ""
local paths = {}
local paths_file = os.getenv("BENCH_PATHS") or ""
if paths_file ~= "" then
  for line in io.lines(paths_file) do
    table.insert(paths, line)
  end
end
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local threads = {}
local counter = 0
bad_status = 0
bad_body = 0

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local headers = {}
  if #cookies > 0 then
    headers["Cookie"] = "sessionid=" .. cookies[(counter % #cookies) + 1]
  end
  if #paths > 0 then
    local i = ((counter - 1) * nthreads + (thread_index or 0)) % #paths
    return wrk.format("GET", paths[i + 1], headers)
  end
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
  elseif marker ~= "" and not string.find(body, marker, 1, true) then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local status, body = 0, 0
  for _, thread in ipairs(threads) do
    status = status + thread:get("bad_status")
    body = body + thread:get("bad_body")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, "http_status": %d, ' ..
    '"non200": %d, "no_marker": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    status, body))
end
