// GatewayPolicy owns the decision for one request: a pure function of the request head,
// the loaded rules and a clock. It performs no I/O.
