// GatewayCredentials owns credential verification: the JOSE layer (base64url, a strict JSON
// parser), JWT verification and signing on swift-crypto, key loading (PEM, JWK, JWK Sets), API
// key lookup, the revocation list and the per-event-loop verified-token cache.
//
// It is pure: no sockets, no event loops. Foundation is used only to read key files at load time,
// never on the request path. It imports GatewayRules (its input), Crypto and _CryptoExtras.
