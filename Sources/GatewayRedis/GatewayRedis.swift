// GatewayRedis owns the gateway's shared state on Redis: a small RESP2 client (encoder, incremental
// decoder, a pipelined connection per event loop with timeouts and reconnection, AUTH, SELECT and
// TLS), the replay store on it (`RedisNonceStore`: nonces, `jti`s and revocations shared by every
// replica, SPEC §4, §8, §9) and the shared rate limiter (`RedisRateLimiter`: one atomic script per
// request, SPEC §9 "Rate limits").
//
// Written by hand: no maintained Swift Redis client is in this project's package mirror (RediStack
// is not, and valkey-swift needs newer toolchains and packages than the mirror holds), and the
// gateway needs a small part of one — a handful of commands, pipelined, on the caller's event loop.
//
// It may import NIO, NIOSSL, swift-log, the rules model (for `RedisLocation`), the replay and limit
// protocols it implements, and GatewayMetrics for its series. Nothing here runs unless the rules
// name a `redis://` or `rediss://` store.
