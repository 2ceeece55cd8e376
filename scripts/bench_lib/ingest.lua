-- wrk script: POST the envelope in ENVELOPE_FILE with a distinct requestId per request.
local counter = 0
local template
local threads = 0

-- Runs in the main state for each thread: give each one a distinct number for its request ids.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  run_stamp = os.time()
  local file = assert(io.open(os.getenv("ENVELOPE_FILE"), "rb"))
  template = file:read("*a")
  file:close()
end

function request()
  counter = counter + 1
  local id = string.format("bench-%d-%d-%d", run_stamp, thread_number, counter)
  local body = template:gsub("REQUEST_ID", id, 1)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function done(summary, latency, requests)
  io.write(string.format("BENCH requests=%d errors_status=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
