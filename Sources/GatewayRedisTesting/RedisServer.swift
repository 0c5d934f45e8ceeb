import Foundation
import GatewayTestSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `redis-server` of the tests' own, on a free loopback port, with nothing saved to disk
/// (`--save "" --appendonly no`), stopped and restarted at will on the same port. For tests only:
/// GatewayRedisTests and the process-level tests of two gateways sharing one Redis.
///
/// `redis-server --port 0` means "no TCP listener", not "any port", so a free port is found by
/// binding port 0 and closing; if another process takes it before Redis binds it, Redis exits and
/// `start` tries another. Readiness is awaited, never slept for: Redis's "Ready to accept
/// connections" line, then a `PING` answered `+PONG`.
public final class RedisServer: Sendable {
    /// Why the tests that need it are skipped: names the Debian package.
    public static let missingMessage = "redis-server is not installed (Debian package redis-server); skipping"

    /// The `redis-server` executable on PATH, or nil.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/sbin"] {
            let candidate = "\(directory)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether `redis-server` can be run here.
    public static var isAvailable: Bool { Self.executable != nil }

    /// PEM texts for a TLS listener (`--tls-port`): the server's certificate and key, and the CA
    /// that signed it.
    public struct TLSFiles: Sendable {
        public var certificatePEM: String
        public var keyPEM: String
        public var caPEM: String

        public init(certificatePEM: String, keyPEM: String, caPEM: String) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
            self.caPEM = caPEM
        }
    }

    /// The plain TCP port (always open: readiness is checked on it).
    public let port: Int
    /// The TLS port, when started with `tls`.
    public let tlsPort: Int?
    public let host = "127.0.0.1"
    private let extraArguments: [String]
    private let directory: String
    private let current = Mutex<RunningServer?>(nil)

    private init(port: Int, tlsPort: Int?, extraArguments: [String], directory: String) {
        self.port = port
        self.tlsPort = tlsPort
        self.extraArguments = extraArguments
        self.directory = directory
    }

    /// Starts a server; `arguments` are more `redis-server` options (`--requirepass`, …); with
    /// `tls`, it also listens with TLS on `tlsPort` (clients need no certificate).
    public static func start(arguments: [String] = [], tls: TLSFiles? = nil) async throws -> RedisServer {
        var lastError: (any Error)?
        for _ in 0..<8 {
            // A folder per attempt: a failed attempt's server removes its own when released.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-redis-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var serverArguments = arguments
            let port = try Self.freeLoopbackPort()
            var tlsPort: Int?
            if let tls {
                for (name, text) in [("server.pem", tls.certificatePEM), ("server.key", tls.keyPEM), ("ca.pem", tls.caPEM)] {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
                }
                let chosen = try Self.freeLoopbackPort()
                tlsPort = chosen
                serverArguments += [
                    "--tls-port", "\(chosen)", "--tls-cert-file", directory + "/server.pem", "--tls-key-file",
                    directory + "/server.key", "--tls-ca-cert-file", directory + "/ca.pem", "--tls-auth-clients", "no",
                ]
            }
            let server = RedisServer(port: port, tlsPort: tlsPort, extraArguments: serverArguments, directory: directory)
            do {
                try await server.launch()
                return server
            } catch let error as RedisServerError where error.isBindFailure {
                lastError = error
                continue
            }
        }
        throw lastError ?? RedisServerError("no free port found for redis-server")
    }

    /// Starts the server again on the same port after `stop()`.
    public func restart() async throws {
        try await self.launch()
    }

    /// Stops the server at once, as a crash or a lost host would (SIGKILL: the kernel closes its
    /// sockets), and waits until the process exited.
    public func stop() async {
        guard let running = self.current.withLock({ state in defer { state = nil }; return state }) else { return }
        running.child.signal(SIGKILL)
        _ = try? await running.child.exitStatus()
    }

    /// The server's log so far.
    public var log: String { self.current.withLock { $0?.output.text } ?? "" }

    deinit {
        if let running = self.current.withLock({ $0 }) {
            running.child.signal(SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    private func launch() async throws {
        guard let executable = Self.executable else { throw RedisServerError(Self.missingMessage) }
        let output = OutputWatcher()
        let child = try await BackgroundProcess.launch(
            executable,
            [
                "--port", "\(self.port)", "--bind", self.host, "--save", "", "--appendonly", "no",
                "--dir", self.directory, "--daemonize", "no", "--logfile", "", "--loglevel", "notice",
            ] + self.extraArguments,
            standardOutput: { output.append($0) },
            standardError: { output.append($0) },
            closed: { output.close() }
        )
        let running = RunningServer(child: child, output: output)
        guard await output.waitForLine(containing: "Ready to accept connections") != nil else {
            _ = try? await child.exitStatus()
            let text = output.text
            throw RedisServerError(
                "redis-server exited before accepting connections: \(text)",
                isBindFailure: text.contains("Address already in use")
            )
        }
        self.current.withLock { $0 = running }
        // Ready by its log; a PING answered proves it. The socket calls block, so they run on a
        // thread of their own, not on the tests' cooperative pool.
        let (host, port, arguments) = (self.host, self.port, self.extraArguments)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Self.ping(host: host, port: port, arguments: arguments) })
            }
        }
    }

    /// Ports handed to a server of this process, never handed out again: a test that stops its
    /// server and starts it again on the same port must not find another test's server there
    /// (nor must its client, reconnecting meanwhile).
    private static let usedPorts = Mutex<Set<Int>>([])

    /// A loopback port that was free a moment ago and that no server of this process has had.
    private static func freeLoopbackPort() throws -> Int {
        for _ in 0..<64 {
            let port = try Self.ephemeralPort()
            let fresh = Self.usedPorts.withLock { used in used.insert(port).inserted }
            if fresh { return port }
        }
        throw RedisServerError("no unused loopback port found")
    }

    /// Binds an ephemeral loopback port and releases it.
    private static func ephemeralPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RedisServerError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw RedisServerError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw RedisServerError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Sends `PING` (after `AUTH` when the server has `--requirepass`) on a blocking socket and
    /// reads `+PONG`.
    private static func ping(host: String, port: Int, arguments: [String]) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RedisServerError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RedisServerError("cannot connect to redis-server on port \(port)") }
        var request = ""
        if let index = arguments.firstIndex(of: "--requirepass"), index + 1 < arguments.count {
            let password = arguments[index + 1]
            request += "*2\r\n$4\r\nAUTH\r\n$\(password.utf8.count)\r\n\(password)\r\n"
        }
        request += "*1\r\n$4\r\nPING\r\n"
        let sent = request.withCString { send(descriptor, $0, strlen($0), 0) }
        guard sent == request.utf8.count else { throw RedisServerError("cannot send PING") }
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 256)
        while !received.contains("+PONG\r\n") {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { throw RedisServerError("redis-server closed before answering PING: \(received)") }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
            if received.hasPrefix("-") { throw RedisServerError("redis-server refused PING: \(received)") }
        }
    }
}

/// A started `redis-server` process and its output.
private struct RunningServer: Sendable {
    let child: BackgroundProcess
    let output: OutputWatcher
}

/// A failure to run the test server.
public struct RedisServerError: Error, CustomStringConvertible {
    public let description: String
    let isBindFailure: Bool

    init(_ description: String, isBindFailure: Bool = false) {
        self.description = description
        self.isBindFailure = isBindFailure
    }
}
