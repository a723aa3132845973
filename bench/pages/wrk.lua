-- wrk script for bench/pages.  Usage: wrk ... -s wrk.lua URL -- MODE MAX_PLAN COOKIE CSRF [BODY_FILE]
-- MODE: detail | list | api_list | eligibility | catalogue.  Detail picks a random plan, lists a random
-- page 1-5 (20 rows each), as the baseline's read and list do.
-- done() prints one line:  PAGERESULT requests duration_us p50_us p99_us connect read write status timeout

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local mode, max_plan
function init(args)
  mode = args[1]
  max_plan = tonumber(args[2])
  wrk.headers["Cookie"] = args[3]
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  if mode == "eligibility" then
    local f = assert(io.open(args[5], "rb"))
    wrk.body = f:read("*a")
    f:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["X-CSRFToken"] = args[4]
    wrk.headers["Referer"] = "http://127.0.0.1/"
  end
end

function request()
  if mode == "detail" then
    return wrk.format("GET", string.format("/titles/plans/%d/", math.random(1, max_plan)))
  elseif mode == "list" then
    return wrk.format("GET", string.format("/titles/plans/?page=%d", math.random(1, 5)))
  elseif mode == "api_list" then
    return wrk.format("GET", string.format("/api/v1/plans/?page=%d", math.random(1, 5)))
  elseif mode == "catalogue" then
    return wrk.format("GET", "/titles/catalogue/")
  else
    return wrk.format("POST", "/api/v1/eligibility/check")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("PAGERESULT %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
