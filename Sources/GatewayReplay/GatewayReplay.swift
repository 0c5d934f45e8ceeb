// GatewayReplay owns the replay store: the memory that refuses a nonce (a signature's `nonce`, a
// JWT's `jti`) seen before within the replay window (SPEC §4, §9 step 9), and holds revoked
// tokens until they expire (SPEC §9 "Token endpoint").
//
// It is pure: no sockets and no event loops of its own. It imports NIOCore only for the
// `EventLoop` and `EventLoopFuture` types of the asynchronous half of `NonceStore`, which a
// networked store (`RedisNonceStore`, in GatewayRedis) needs; the memory store never touches them.
