// GatewayLimits owns rate limiting (SPEC §2 `rate_limit`, `burst`; §3 429; §9 "Rate limits", step
// 10): the limit of a route, the bucket a request counts against, the pure GCRA calculation, the
// `RateLimiter` protocol the proxy calls, and the in-process limiter shared by every event loop.
//
// It is pure: no sockets and no event loops of its own. It imports NIOCore only for the
// `EventLoop` and `EventLoopFuture` types of the asynchronous half of `RateLimiter`, which the
// Redis limiter (GatewayRedis) needs, and the rules model for `RateLimitRule`.
