import GatewayRedisTesting
import GatewayTestSupport
import GatewayRules
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import GatewayRedis

/// `rediss://`: TLS to a real `redis-server` listening with a certificate made at test time.
/// The server is verified: trusted through its CA it answers; through the system trust store
/// (the default for `rediss://`), it is refused.
@Suite(.enabled(if: RedisServer.isAvailable, "\(RedisServer.missingMessage)"), .timeLimit(.minutes(1)))
struct RedisTLSTests {
    @Test func rediss() async throws {
        let certificates = try TestCertificateAuthority()
        let tls = RedisServer.TLSFiles(
            certificatePEM: certificates.serverCertificatePEM,
            keyPEM: certificates.serverKeyPEM,
            caPEM: certificates.caPEM
        )
        try await RedisTestSupport.withServer(arguments: ["--requirepass", "tls-pw"], tls: tls) { server, group in
            let tlsPort = try #require(server.tlsPort)
            let loop = group.next()

            for host in ["localhost", "127.0.0.1"] {
                guard let redis = try RedisTestSupport.redisLocation(fromStoreURL: "rediss://:tls-pw@\(host):\(tlsPort)/2") else {
                    Issue.record("a redis store")
                    return
                }
                #expect(redis.tls)
                var configuration = RedisConfiguration(redis)
                #expect(configuration.tls != nil)
                #expect(configuration.displayAddress == "rediss://\(host):\(tlsPort)/2")

                // The default: the system trust store, which does not hold the test CA.
                let untrusted = try RedisTestSupport.client(configuration, group: group)
                do {
                    _ = try await RedisTestSupport.send(untrusted, RedisCommand("PING"), on: loop)
                    Issue.record("a server the trust store does not vouch for must be refused")
                } catch let error as RedisError {
                    #expect(error.kind == "connect" || error.kind == "closed", "\(error)")
                }
                await untrusted.shutdown()

                configuration.tls?.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificates.caPEM.utf8)))
                let client = try RedisTestSupport.client(configuration, group: group)
                #expect(try await RedisTestSupport.send(client, RedisCommand("PING"), on: loop) == .simpleString("PONG"))
                let info = try await RedisTestSupport.send(client, RedisCommand("CLIENT", ["INFO"]), on: loop).string ?? ""
                #expect(info.contains("db=2"), "\(info)")
                await client.shutdown()
            }
        }
    }
}
