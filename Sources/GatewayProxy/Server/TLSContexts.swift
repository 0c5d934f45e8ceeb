public import GatewayRules
import NIOHTTP2
public import NIOSSL

/// The TLS contexts the proxy uses: one to terminate HTTPS downstream (ALPN `h2` and
/// `http/1.1`), one per upstream with `https` targets. Built off the event loops, at load and
/// reload, so certificate files are read once per rules snapshot.
public enum TLSContexts {
    /// The downstream context of `[server] tls`: the certificate chain and key (PEM), ALPN
    /// `h2` then `http/1.1`, TLS 1.2 at least.
    public static func downstream(_ rules: TLSRules) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(rules.certFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: rules.keyFile, format: .pem))
        )
        configuration.applicationProtocols = NIOHTTP2SupportedALPNProtocols
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }

    /// The client context for an upstream's `https` targets: certificates verified against
    /// `ca_file` if set, else the system trust store; nil when no target is `https`.
    public static func upstream(_ rule: UpstreamRule) throws -> NIOSSLContext? {
        guard rule.targets.contains(where: { $0.scheme == .https }) else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        if let caFile = rule.caFile {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Problems with the TLS files of `rules`, as `(key path, message)`, for `gateway check`.
    public static func problems(in rules: Rules) -> [(keyPath: String, message: String)] {
        var problems: [(String, String)] = []
        if let tls = rules.server.tls {
            do { _ = try Self.downstream(tls) } catch { problems.append(("server.tls", "cannot load the certificate or key: \(error)")) }
        }
        for (index, upstream) in rules.upstreams.enumerated() {
            do { _ = try Self.upstream(upstream) } catch {
                problems.append(("upstreams[\(index + 1)](\(upstream.name)).ca_file", "cannot load the CA certificates: \(error)"))
            }
        }
        return problems
    }
}
