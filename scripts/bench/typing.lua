-- wrk script of the benchmark harness for the typing simulation (scripts/bench/bench.py writes its inputs):
--   BENCH_PATHS  a file with one request path per line: each typist's keystrokes in order (`j`, `jo`, …)
--   BENCH_TOKEN  the bearer token
--   BENCH_ORG    the organization slug sent as X-Organization-Slug (optional)
-- Each thread walks the paths in order, starting at its own place, so that consecutive requests of a
-- thread are consecutive keystrokes; every connection sends its next request after the previous answer.
local paths = {}
local file = assert(os.getenv("BENCH_PATHS"), "BENCH_PATHS is not set")
for line in io.lines(file) do
  if #line > 0 then
    paths[#paths + 1] = line
  end
end
assert(#paths > 0, "no paths")
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")
local org = os.getenv("BENCH_ORG")
if org and #org > 0 then
  wrk.headers["X-Organization-Slug"] = org
end

local threads = 0
local next_index = 1

function setup(thread)
  threads = threads + 1
  thread:set("start", threads)
end

function init(args)
  -- Threads start at different typists.
  next_index = ((start or 1) - 1) * math.floor(#paths / 2) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end
