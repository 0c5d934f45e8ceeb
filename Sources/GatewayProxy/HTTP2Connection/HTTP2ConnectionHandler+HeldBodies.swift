import NIOHTTP2

/// What one HTTP/2 connection may make the gateway hold in whole request bodies.
///
/// A body is read whole into memory on a route whose signature covers `Content-Digest` (it is
/// forwarded only once it matches) and for the token endpoint. Each stream may hold up to
/// `max_body_bytes`; without a bound per connection, 128 concurrent streams could make one
/// client hold 128 of them. So the held bodies of a connection stay within `max_body_bytes`
/// together: the oldest such stream always gets credit (it can always finish, so the
/// connection never stalls for good), a younger one only while the total has room. A stream
/// refused credit waits, as flow control means, until a held body is released (its request
/// ends and is checked, or its stream closes). A connection then holds at most twice
/// `max_body_bytes` in such bodies (the oldest stream's, and the budget the others shared
/// before it grew) plus a stream window (64 KiB) per stream.
extension HTTP2ConnectionHandler {
    /// Whether `streamID` may be given `credit` more bytes of body to hold.
    func mayHoldMore(_ streamID: HTTP2StreamID, credit: Int, limit: Int) -> Bool {
        var held = 0
        var oldest = streamID
        for id in self.streams.keys {
            guard let exchange = self.machine.exchange(id), exchange.holdsWholeBody else { continue }
            held += exchange.pendingBytes
            if id < oldest { oldest = id }
        }
        return oldest == streamID || held + credit <= limit
    }

    /// A held body was released: the streams refused credit for it try again, oldest first.
    func creditWithheldHeldBodies() {
        guard self.heldBodyCreditWithheld else { return }
        self.heldBodyCreditWithheld = false
        for streamID in self.streams.keys { self.credit(streamID) }
        self.flushSoon()
    }
}
