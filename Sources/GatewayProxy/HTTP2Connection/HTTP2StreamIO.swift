import NIOHPACK

/// What the HTTP/2 connection handler keeps beside one stream's exchange: its I/O state and
/// the flow-control credit it owes the client and is owed by it.
///
/// A class: the handler reaches a stream's state through its `streams` dictionary several
/// times per event, and a value there was copied out (with a retain of every reference it
/// holds) on each read; a reference is read and changed in place. Only the connection's event
/// loop touches it.
final class HTTP2StreamIO {
    var io: ExchangeIO
    /// The request's header block, for writing it upstream.
    var request: HPACKHeaders
    /// `:authority` when the block has no `host` field (sent upstream as `Host`).
    var authority: String?
    var isHEAD: Bool
    /// Request body bytes read and not yet returned to the client as stream credit
    /// (WINDOW_UPDATE).
    var uncredited = 0
    /// Response body bytes handed to NIOHTTP2 and not yet written to the socket (it holds DATA
    /// the client's flow-control window does not admit yet).
    var outboundBuffered = 0
    /// Upstream reads are held until the client takes what it was sent.
    var upstreamReadsHeld = false

    init(io: ExchangeIO, request: HPACKHeaders, authority: String?, isHEAD: Bool) {
        self.io = io
        self.request = request
        self.authority = authority
        self.isHEAD = isHEAD
    }
}
