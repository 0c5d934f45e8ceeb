// GatewayRouting owns path normalisation and route choice (SPEC §2, §9 "Routing", "Paths").
// It is pure and generic over what a route carries; it imports nothing but the standard library.
