-- wrk script: GET /api/cylinders/{code}/card over the codes in $CODES ($PATH_TEMPLATE, e.g. "/c/%s", asks another path).
-- $MODE=random picks codes at random (warm cache); $MODE=sequential gives each thread its own slice
-- and never repeats a code (every request a cache miss); $DELAY_MS adds a pause per connection
-- between requests (used to hold a fixed rate below the peak).
local codes = {}
for line in io.lines(os.getenv("CODES")) do
  if #line > 0 then codes[#codes + 1] = line end
end
local mode = os.getenv("MODE") or "random"
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local template = os.getenv("PATH_TEMPLATE") or "/api/cylinders/%s/card"
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local counter = 0
local offset = 0

function init(args)
  local nthreads = tonumber(os.getenv("THREADS") or "1")
  offset = (tid or 0) * math.floor(#codes / nthreads)
  math.randomseed(1234 + (tid or 0))
end

function request()
  local code
  if mode == "sequential" then
    counter = counter + 1
    code = codes[((offset + counter) % #codes) + 1]
  else
    code = codes[math.random(#codes)]
  end
  return wrk.format("GET", string.format(template, code))
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end
