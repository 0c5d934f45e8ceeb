// GatewayAudit owns the audit record, its canonical JSON (RFC 8785), the hash chain and the
// writer that keeps file I/O off the event loops.
//
// Folders: `Encoding` (the record's JCS text, RFC 3339 timestamps, a small JSON reader for
// verification), `Chain` (hashes and the verifier behind `gateway audit verify`), `Writer` (the
// bounded queue and its dedicated writer thread).
//
// It may import NIOCore (event loops for backpressure callbacks), NIOPosix (the writer's
// thread), NIOConcurrencyHelpers (the queue's condition lock), Crypto (SHA-256) and Logging
// (write errors). It imports nothing of the gateway's other modules, and no Foundation: the
// record is encoded by hand into a byte buffer, once per request.
