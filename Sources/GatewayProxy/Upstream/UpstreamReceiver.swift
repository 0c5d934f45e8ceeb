import GatewayHTTP1
import NIOCore

/// Who an upstream connection reports to while it carries a request: the client connection's
/// handler. `exchangeID` names the exchange (an HTTP/1.1 connection's request counter, an
/// HTTP/2 stream id), so a late event of an exchange that has ended is recognised and ignored.
protocol UpstreamReceiver: AnyObject {
    func upstream(_ event: UpstreamEvent, exchangeID: Int)
    /// Whether the client can take more bytes of exchange `exchangeID` (upstream reads are
    /// held while it cannot).
    func clientIsWritable(exchangeID: Int) -> Bool
}

/// What an upstream connection reports.
enum UpstreamEvent {
    case responseHead(HTTP1ResponseHead)
    case responseBody(ByteBuffer)
    case responseEnd(HTTP1Fields?)
    /// The bytes of one read were delivered (a flush point for the client side).
    case readComplete
    /// The connection closed, or failed (a malformed response closes it).
    case closed
    case writable
}
