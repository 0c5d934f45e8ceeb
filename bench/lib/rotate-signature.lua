-- wrk script: every request carries the next RFC 9421 signature from a file, used once each.
--   BENCH_VALUES  a file of "<Signature-Input>\t<Signature>" lines (lib/sign_requests.py)
-- The route is replay-protected: a line sent twice is refused (401 replayed_nonce), so the file
-- must hold more lines than the measurement sends; run.sh writes a fresh one per measurement.
local path = os.getenv("BENCH_VALUES")
local inputs, signatures = {}, {}
for line in io.lines(path) do
    local input, signature = line:match("^([^\t]+)\t(.+)$")
    if input then
        inputs[#inputs + 1] = input
        signatures[#signatures + 1] = signature
    end
end
assert(#inputs > 0, "no signatures in " .. tostring(path))
local count = #inputs
local next_index = 0
local headers = {}

request = function()
    next_index = next_index + 1
    if next_index > count then next_index = 1 end
    headers["Signature-Input"] = inputs[next_index]
    headers["Signature"] = signatures[next_index]
    return wrk.format(nil, nil, headers)
end
