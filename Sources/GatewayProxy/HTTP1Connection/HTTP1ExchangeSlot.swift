import GatewayHTTP1

/// What `HTTP1ConnectionHandler` keeps of the exchange in progress beside its state machine:
/// the I/O record and the request head, out of line, so that a connection between requests
/// holds one nil pointer instead of about 460 bytes inline (bench/RESULTS.md, "Memory").
///
/// A `final class` only to move the values out of line; one handler owns it, on its event loop.
final class HTTP1ExchangeSlot {
    var io: ExchangeIO?
    /// The request's head, for writing it upstream (nil for a refusal the codec made).
    let head: HTTP1RequestHead?

    init(io: ExchangeIO, head: HTTP1RequestHead?) {
        self.io = io
        self.head = head
    }
}
