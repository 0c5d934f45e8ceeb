// GatewayProxy owns the data path: SwiftNIO listeners and channel handlers, and the
// per-event-loop upstream connection pools. Handlers move bytes; GatewayPolicy decides.
