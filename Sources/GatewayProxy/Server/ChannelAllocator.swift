import NIOCore

/// The `ByteBufferAllocator` of every channel the gateway opens: NIO's default, since the
/// gateway never sets `ChannelOptions.allocator`. The handlers use it instead of asking
/// `context.channel.allocator`, which retains and releases the channel and reads the allocator
/// through the channel's lock-protected state (about 100 instructions, four times a request).
enum ChannelAllocator {
    static let shared = ByteBufferAllocator()
}
