import NIOCore
import NIOHTTP1

/// Frames upstream responses with NIO's llhttp-based `HTTPResponseDecoder`, told of each
/// request by `UpstreamHandler` rather than by watching the pipeline's writes.
///
/// `HTTPResponseDecoder` normally learns each request's method by observing outbound
/// `HTTPClientRequestPart`s; requests leave as bytes here, so that observation would fail.
/// This wrapper is a plain `ByteToMessageDecoder` around the same decoder instance.
final class UpstreamResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart

    /// What the decoder needs of a request: only whether it was `HEAD` (or `CONNECT`), whose
    /// response has no body whatever its fields say.
    private static let bodilessResponseRequest = HTTPRequestHead(version: .http1_1, method: .HEAD, uri: "/")
    private static let ordinaryRequest = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")

    private let inner = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)

    /// Announces a request just written, so that its response is framed right.
    func expectResponse(to method: HTTPMethod) {
        let bodiless = method == .HEAD || method == .CONNECT
        self.inner.write(data: .head(bodiless ? Self.bodilessResponseRequest : Self.ordinaryRequest))
    }

    func decoderAdded(context: ChannelHandlerContext) {
        self.inner.decoderAdded(context: context)
    }

    func decoderRemoved(context: ChannelHandlerContext) {
        self.inner.decoderRemoved(context: context)
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        try self.inner.decode(context: context, buffer: &buffer)
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try self.inner.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }
}

@available(*, unavailable)
extension UpstreamResponseDecoder: Sendable {}
