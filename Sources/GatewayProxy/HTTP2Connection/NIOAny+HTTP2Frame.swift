import NIOCore
import NIOHTTP2

extension NIOAny {
    /// Wraps a frame for `ChannelHandlerContext.write` with its type known here, so the
    /// wrapping is specialised (see `NIOAny.bytes(_:)`): the generic `wrapOutboundOut` tried
    /// the `ByteBuffer`, `FileRegion`, `IOData` and envelope casts on every frame first.
    @inline(__always)
    static func frame(_ frame: HTTP2Frame) -> NIOAny {
        NIOAny(frame)
    }
}
