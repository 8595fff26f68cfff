-- wrk script for bench/intake.py: every thread posts its own slice of pre-made submissions (one JWE per line),
-- so each request carries a distinct, validly signed and encrypted submission.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  local nthreads = tonumber(args[2])
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  n = 0
  created = 0
  duplicates = 0
  refused = 0
end

function request()
  n = n + 1
  local body = bodies[((n - 1) % #bodies) + 1]
  return wrk.format("POST", "/v1/submissions", {["Content-Type"] = "application/jose"}, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then duplicates = duplicates + 1
  else refused = refused + 1 end
end

function done(summary, latency, requests)
  local c, d, r = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); d = d + t:get("duplicates"); r = r + t:get("refused")
  end
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"created": %d, "duplicates": %d, "refused": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, c, d, r,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
