-- wrk script: every request carries the next line of a file as header values, wrapping around.
--   BENCH_VALUES   a file of values, one request a line; with several headers, the line holds
--                  their values separated by tabs (e.g. "<Signature-Input>\t<Signature>", as
--                  lib/sign_requests.py writes them)
--   BENCH_HEADERS  the header names, comma-separated (default Authorization)
-- With `wrk -t1` one Lua state serves every connection, so the lines go out in file order: a
-- file longer than the gateway's per-loop token cache (10,000 entries, LRU) makes every request
-- a cache miss, a file of one line makes every request after the first a hit. On a
-- replay-protected route a line sent twice is refused (401 replayed_nonce), so run.sh writes a
-- file longer than the measurement, fresh each time.
local path = os.getenv("BENCH_VALUES")
local names = {}
for name in (os.getenv("BENCH_HEADERS") or "Authorization"):gmatch("[^,]+") do
    names[#names + 1] = name
end
local lines = {}
for line in io.lines(path) do
    if #line > 0 then
        local values = {}
        for value in line:gmatch("[^\t]+") do values[#values + 1] = value end
        assert(#values == #names, "expected " .. #names .. " tab-separated values in " .. tostring(path))
        lines[#lines + 1] = values
    end
end
assert(#lines > 0, "no values in " .. tostring(path))
local count = #lines
local next_index = 0
local headers = {}

request = function()
    next_index = next_index + 1
    if next_index > count then next_index = 1 end
    local values = lines[next_index]
    for index, name in ipairs(names) do headers[name] = values[index] end
    return wrk.format(nil, nil, headers)
end
