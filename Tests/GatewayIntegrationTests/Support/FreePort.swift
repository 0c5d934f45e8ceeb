import NIOCore
import NIOPosix

/// A loopback port nothing listens on now, for a child process that must be told its port (a
/// moment later something else may take it; tests that can bind port 0 themselves should).
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}
