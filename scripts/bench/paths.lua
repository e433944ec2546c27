-- wrk script of the benchmark harness (scripts/bench/bench.py writes its inputs):
--   BENCH_PATHS  a file with one request path per line; every request picks one at random
--   BENCH_TOKEN  the bearer token
--   BENCH_ORG    the organization slug sent as X-Organization-Slug (optional)
--   BENCH_DELAY_MS  milliseconds each connection waits before its next request (optional): paced
--                   readers instead of back-to-back ones
local paths = {}

local function load()
  local file = os.getenv("BENCH_PATHS")
  assert(file, "BENCH_PATHS is not set")
  for line in io.lines(file) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  assert(#paths > 0, "no paths in " .. file)
end

load()
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")
local org = os.getenv("BENCH_ORG")
if org and #org > 0 then
  wrk.headers["X-Organization-Slug"] = org
end

function init(args)
  -- A different random sequence per thread.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause and pause > 0 then
  function delay()
    return pause
  end
end
