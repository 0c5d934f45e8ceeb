// GatewayTokens owns the token lifecycle's logic (SPEC §8, §9 "Token endpoint"): the
// client-credentials token endpoint (RFC 6749 §4.4) that trades an API key for a short-lived JWT,
// and the revocation endpoint (RFC 7009) that refuses one such token until it expires.
//
// It is pure: no sockets, no event loops, no clock and no randomness of its own. The proxy reads
// a request to one of the endpoint's paths (its body bounded), calls `TokenEndpoint.answer`, and
// performs the `TokenEndpointOutcome` it gets back: a response to write, and for a revocation a
// record to make in the replay store first. Built once per rules load, off the event loops (it
// reads the signing key's file).
//
// It imports GatewayRules (its input), GatewayCredentials (API keys, signing, verification),
// GatewayPolicy (reason codes and the audit identity) and GatewayReplay (the revocation's key).
