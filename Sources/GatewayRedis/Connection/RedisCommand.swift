public import NIOCore

/// A command, encoded once when it is made (on the caller's event loop), so the connection only
/// appends its bytes to the socket.
public struct RedisCommand: Sendable {
    /// The command's name (`SET`, `EVALSHA`), for logs and metrics; never its arguments.
    public let name: String
    /// The RESP2 array of bulk strings.
    public let bytes: ByteBuffer

    /// `name` followed by `arguments`.
    public init(_ name: String, _ arguments: [RedisArgument] = [], allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.name = name
        var buffer = allocator.buffer(capacity: 32 + name.utf8.count + arguments.count * 24)
        RESPEncoder.encodeCommand([RedisArgument(name)] + arguments, into: &buffer)
        self.bytes = buffer
    }
}
