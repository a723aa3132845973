-- wrk script for bench/rush.  Usage: wrk ... -s wrk.lua URL -- MODE CSRF SESSION FILE THREADS
-- MODE submit: FILE holds "declaration_id cookies" lines (cookies: "sessionid=…;zc_user=…", as signed in); thread t of THREADS takes lines t, t+THREADS, …
--   and submits each draft once, as its own applicant (POST the action endpoint, {"pledge": true}).
-- MODE handler_queue | bureau_queue: GET /reviews/?page=1..5 with SESSION.
-- MODE detail: GET /declarations/<id>/ for a random id of FILE, with SESSION (the handler).
-- MODE walk: GET /declarations/<id>/ for each id of FILE once, with SESSION; thread t of THREADS takes lines t,
--   t+THREADS, …; past the end /declarations/0/, a 404 (counted: the figure's file was too short).
-- MODE verify: GET a random path of FILE (public certificate verification), signed out, through a proxy for
--   one of 65,536 client addresses (X-Forwarded-For 10.x.y.z; the server trusts 127.0.0.1 as its proxy).
-- done() prints: RUSHRESULT requests duration_us p50_us p99_us connect read write status timeout
-- and the responses that were not 2xx are counted by wrk in "status".

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local mode, csrf, session, items, nthreads, position = nil, nil, nil, {}, 1, 0
function init(args)
  mode, csrf, session = args[1], args[2], args[3]
  nthreads = tonumber(args[5] or "1")
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  if args[4] and args[4] ~= "-" then
    local i = 0
    for line in io.lines(args[4]) do
      if line ~= "" then
        if (mode ~= "submit" and mode ~= "walk") or i % nthreads == (tid - 1) then
          table.insert(items, line)
        end
        i = i + 1
      end
    end
  end
  if mode ~= "submit" and mode ~= "verify" then
    wrk.headers["Cookie"] = session .. "; csrftoken=" .. csrf  -- SESSION: the signed-in cookies
  end
end

function request()
  if mode == "submit" then
    position = position + 1
    local line = items[position] or items[#items]  -- past the end: a second submit answers 409 (counted)
    local id, key = line:match("^(%d+) (%S+)$")
    return wrk.format("POST", "/api/v1/declarations/" .. id .. "/actions/submit/", {
      ["Cookie"] = key .. "; csrftoken=" .. csrf,
      ["X-CSRFToken"] = csrf, ["Content-Type"] = "application/json",
    }, '{"pledge": true}')
  elseif mode == "handler_queue" or mode == "bureau_queue" then
    return wrk.format("GET", string.format("/reviews/?page=%d", math.random(1, 5)))
  elseif mode == "detail" then
    return wrk.format("GET", "/declarations/" .. items[math.random(1, #items)] .. "/")
  elseif mode == "walk" then
    position = position + 1
    return wrk.format("GET", "/declarations/" .. (items[position] or "0") .. "/")
  else
    local client = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    return wrk.format("GET", items[math.random(1, #items)], {["X-Forwarded-For"] = client})
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RUSHRESULT %d %d %d %d %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
