// GatewayAudit owns the audit record, its canonical JSON (RFC 8785), the hash chain and the
// writer that keeps file I/O off the event loops.
