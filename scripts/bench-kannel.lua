-- wrk script of `make bench`'s HTTP Kannel series: the mixed workload of the line series
-- (a 1730 balance query, a 777 SPORT subscription, a 777 STOP SPORT, a premium MO to
-- 0690123456) as Kannel's sms-service sends MOs:
--   GET /kannel/sms?from=36300NNNNNN&to=1730&text=EGYENLEG
-- on random subscribers 36300000000 … 36300999999, the four in turn.
--
--   wrk -t1 -c50 -d5s -H "Authorization: Basic …" \
--       -s scripts/bench-kannel.lua http://127.0.0.1:8080 -- DEPTH CONNECTIONS
--
-- DEPTH requests are written at once on a connection (HTTP/1.1 pipelining; 1: none); wrk
-- waits for all their answers before it writes the next batch, and takes one latency per
-- batch. CONNECTIONS repeats -c (done() needs it to read the latencies).
--
-- Refusals come back as 200 with the reply SMS (Kannel's convention), so a status is not
-- a verdict: every answer other than 200 is a failure (401/403/400: the bench's setup is
-- wrong; 503: a commit failed). The script counts them, and the engine's verdict from the
-- X-Selfcare-Outcome header, and prints one line for scripts/bench.sh:
--   RESULT rps=… p50=… p99=… requests=… batches=… non200=… socket_errors=… timeouts=…
--          errors=… refused=…%
-- (on one line; p50/p99 in µs; requests = answers, batches = latency samples;
-- errors = non200 + socket_errors + timeouts, the figure that must be 0).

local services = {
  { "1730", "EGYENLEG" },
  { "777", "SPORT" },
  { "777", "STOP SPORT" },
  { "0690123456", "VOTE" },
}

-- Percent-encoding of a query value: everything but the unreserved characters.
local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for i, s in ipairs(services) do
  paths[i] = { "/kannel/sms?from=36300", "&to=" .. escape(s[1]) .. "&text=" .. escape(s[2]) }
end

-- Every thread's Lua state, for done().
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

-- Per thread (globals, so done() can read them with thread:get).
depth = 1
connections = 0
turn = 0
non200 = 0
refused = 0
answered = 0
first_failure = ""

function init(args)
  depth = tonumber(args[1] or "1") or 1
  connections = tonumber(args[2] or "0") or 0
  if connections < 1 then error("usage: wrk … -s bench-kannel.lua URL -- DEPTH CONNECTIONS") end
  math.randomseed(os.time() * 1000 + (id or 0))
end

local function one()
  turn = turn % #paths + 1
  local p = paths[turn]
  return wrk.format("GET", string.format("%s%06d%s", p[1], math.random(0, 999999), p[2]))
end

function request()
  if depth == 1 then return one() end
  local batch = {}
  for i = 1, depth do batch[i] = one() end
  return table.concat(batch)
end

function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then
    non200 = non200 + 1
    if first_failure == "" then
      first_failure = status .. " " .. string.gsub(string.sub(body or "", 1, 80), "%s+", " ")
    end
    return
  end
  local outcome = headers["X-Selfcare-Outcome"] or ""
  if string.sub(outcome, 1, 7) == "refused" then refused = refused + 1 end
end

-- wrk "corrects" its latency histogram for coordinated omission before done() sees it
-- (stats_correct: every latency n >= 2e adds copies at n-e, n-2e, … down to e, where e is
-- the mean time per request and connection). In a closed loop that invents requests that
-- were never sent, and with pipelining it breaks the percentiles outright (the copies fall
-- below the histogram's minimum and every percentile reads 0). This undoes it, from the
-- top down, so the figures are the measured ones, like loadgen's for the line series:
-- one latency per batch, from its write to its last answer. wrk 4.1 gives the histogram
-- to Lua as latency(i) = the i-th non-empty bucket (µs, count), lowest first.
local function measured(latency, duration, requests, connections)
  local per = math.floor(requests / connections)
  local e = per > 0 and math.floor(duration / per) or 0
  local values, counts, index = {}, {}, {}
  for i = 1, #latency do
    local v, c = latency(i)
    values[i], counts[i], index[v] = v, c, i
  end
  if e > 0 then
    for i = #values, 1, -1 do
      local n = values[i]
      if n < 2 * e then break end
      -- counts[i] is n's own count: what the buckets above added to it is gone already.
      local m = n - e
      while m > e do
        local j = index[m]  -- nil below the histogram's minimum: not ours to count
        if j then counts[j] = counts[j] - counts[i] end
        m = m - e
      end
    end
  end
  local total = 0
  for i = 1, #counts do total = total + counts[i] end
  local function percentile(p)
    local rank, seen = math.floor(p / 100 * total + 1), 0
    for i = 1, #values do
      seen = seen + counts[i]
      if seen >= rank then return values[i] end
    end
    return 0
  end
  return percentile, total
end

function done(summary, latency, requests)
  local bad, ref, total, sample = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    ref = ref + t:get("refused")
    total = total + t:get("answered")
    if sample == "" then sample = t:get("first_failure") end
  end
  local connections = tonumber(threads[1] and threads[1]:get("connections") or 0) or 0
  local percentile, samples = measured(latency, summary.duration, summary.requests, connections)
  local e = summary.errors
  local socket = e.connect + e.read + e.write
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT rps=%.0f p50=%.1f p99=%.1f requests=%d batches=%d non200=%d socket_errors=%d timeouts=%d errors=%d refused=%.1f%%\n",
    summary.requests / seconds, percentile(50), percentile(99), summary.requests, samples,
    bad, socket, e.timeout, bad + socket + e.timeout, total > 0 and 100 * ref / total or 0))
  if sample ~= "" then io.write("FIRST_FAILURE " .. sample .. "\n") end
end
