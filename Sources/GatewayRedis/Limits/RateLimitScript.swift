import Crypto

/// The Lua script that takes one request from a bucket in Redis: GCRA (`GCRA` in GatewayLimits)
/// in one atomic step on the server, so replicas share one budget and no two requests interleave
/// between reading and writing a bucket (redis.io, "Scripting with Lua": a script runs atomically).
///
/// Time is the server's (`TIME`), in microseconds, so the replicas' clocks do not matter. The key
/// holds the bucket's TAT and expires when the bucket is full again (then it decides as a bucket
/// never seen). `redis.replicate_commands()` lets Redis 3.2–4 replicate the script's effects
/// rather than the script, which calls the non-deterministic `TIME` before writing; Redis 5 and
/// later always do (7 keeps the call as a no-op).
///
/// KEYS[1]: the bucket; ARGV[1]: the emission interval T in µs (may be fractional); ARGV[2]: the
/// burst. Returns `{allowed (1/0), remaining, retry_after_us, reset_us}`.
enum RateLimitScript {
    static let source = """
        if redis.replicate_commands then redis.replicate_commands() end
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tolerance = interval * burst
        local tat = tonumber(redis.call('GET', KEYS[1]))
        if tat == nil or tat < now then tat = now end
        local new_tat = tat + interval
        local allow_at = new_tat - tolerance
        if allow_at > now then
          return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
        end
        redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
        local remaining = math.floor((tolerance - (new_tat - now)) / interval + 1e-6)
        return {1, remaining, 0, math.ceil(new_tat - now)}
        """

    /// The SHA-1 `EVALSHA` names the script by (what `SCRIPT LOAD` answers), lowercase hex.
    static let sha1: String = Insecure.SHA1.hash(data: Array(Self.source.utf8)).map { byte in
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
    }.joined()
}
