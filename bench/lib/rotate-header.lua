-- wrk script: every request carries the next value from a file, wrapping around.
--   BENCH_VALUES  a file of header values, one a line (e.g. "Bearer eyJ...")
--   BENCH_HEADER  the header's name (default Authorization)
-- With `wrk -t1` one Lua state serves every connection, so the values go out in file order: a
-- file longer than the gateway's per-loop token cache (10,000 entries, LRU) makes every request
-- a cache miss, a file of one line makes every request after the first a hit.
local path = os.getenv("BENCH_VALUES")
local name = os.getenv("BENCH_HEADER") or "Authorization"
local values = {}
for line in io.lines(path) do
    if #line > 0 then values[#values + 1] = line end
end
assert(#values > 0, "no values in " .. tostring(path))
local count = #values
local next_index = 0
local headers = {}

request = function()
    next_index = next_index + 1
    if next_index > count then next_index = 1 end
    headers[name] = values[next_index]
    return wrk.format(nil, nil, headers)
end
