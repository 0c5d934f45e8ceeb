public import GatewayCredentials

/// What a decision may use besides the request and the rules: the clock, and the event loop's
/// verified-token cache. `gateway explain` passes no cache and its own clock.
public struct PolicyContext {
    /// Seconds since 1970.
    public var now: Int64
    /// The calling event loop's cache of verified tokens (not shared across loops), or nil.
    public var tokenCache: PolicyTokenCache?

    public init(now: Int64, tokenCache: PolicyTokenCache? = nil) {
        self.now = now
        self.tokenCache = tokenCache
    }
}
