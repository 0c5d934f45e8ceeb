#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NIOCore
import NIOPosix

/// A loopback port nothing listens on now, for a child process that must be told its port.
///
/// Taken below the kernel's ephemeral range (`ip_local_port_range`), where neither a bind to
/// port 0 nor an outgoing connection of another test running in parallel can take it before
/// the child binds it (an ephemeral port, freed and handed over, was taken that way in CI);
/// only another call of this function could, choosing the same one of thousands at random.
/// Tests that can bind port 0 themselves should.
func freeLoopbackPort() async throws -> Int {
    let ephemeralStart = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))
        .flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } } ?? 32768
    let candidates = 10_000..<max(ephemeralStart, 10_001)
    for _ in 0..<100 {
        let port = Int.random(in: candidates)
        guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: port).get()
        else { continue }  // in use: try another
        try await channel.close()
        return port
    }
    throw TestError("no free loopback port below the ephemeral range after 100 tries")
}

/// A loopback port that refuses connections for as long as this value is held: a TCP socket
/// bound to it and never listening. (Binding a port and closing it frees the port, and another
/// test running in parallel can listen there a moment later; an upstream that "refuses" would
/// then accept and stay silent.)
final class RefusingPort: Sendable {
    let port: Int
    private let descriptor: CInt

    init() throws {
        let descriptor = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(descriptor)
            throw IOError(errnoCode: code, reason: "bind")
        }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        close(self.descriptor)
    }
}
