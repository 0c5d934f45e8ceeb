import NIOHTTP2

/// Tells a connection error from a stream error. NIOHTTP2 reports both through `errorCaught`,
/// and most stream errors (a malformed header block, a bad `content-length`, DATA beyond a
/// window) arrive as the bare underlying error, not wrapped in `NIOHTTP2Errors.StreamError`:
/// what tells them apart is what NIOHTTP2 wrote — RST_STREAM for a stream error, GOAWAY with an
/// error code for a connection error (RFC 9113 §5.4). NIOHTTP2 calls this delegate for every
/// frame it writes, on the connection's loop.
final class HTTP2GoAwayRecorder: NIOHTTP2FrameDelegate {
    /// The error code of the GOAWAY NIOHTTP2 wrote for a connection error, once it wrote one.
    private(set) var connectionError: HTTP2ErrorCode?

    func wroteFrame(_ frame: HTTP2Frame) {
        // The gateway's own GOAWAYs (idle, drain) say NO_ERROR.
        if case .goAway(_, let code, _) = frame.payload, code != .noError, self.connectionError == nil {
            self.connectionError = code
        }
    }
}

@available(*, unavailable)
extension HTTP2GoAwayRecorder: Sendable {}
