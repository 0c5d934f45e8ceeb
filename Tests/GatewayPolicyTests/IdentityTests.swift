import GatewayHTTP1
import NIOCore
import Testing

@testable import GatewayPolicy

/// An identity's `X-Auth-*` lines, written fresh or copied from the encoding a cached identity
/// keeps, are the same bytes; a change to what they say drops the encoding.
@Suite struct IdentityTests {
    private func lines(_ identity: Identity) -> String {
        var writer = HTTP1HeadWriter(allocator: ByteBufferAllocator())
        identity.writeUpstreamFields(into: &writer)
        return String(buffer: writer.buffer)
    }

    private let identity = Identity(kind: "jwt", id: "key-1", subject: "alice", scopes: ["orders:read", "orders:write"], jti: "j1")

    @Test func theEncodedLinesAreTheWrittenLines() {
        let expected = "x-auth-subject: alice\r\nx-auth-scopes: orders:read orders:write\r\nx-auth-credential: jwt:key-1\r\n"
        #expect(self.lines(self.identity) == expected)
        let encoded = self.identity.encodingUpstreamFields()
        #expect(encoded.keepsUpstreamFieldsEncoded)
        #expect(!self.identity.keepsUpstreamFieldsEncoded)
        #expect(self.lines(encoded) == expected)
        // The encoding is not part of the value.
        #expect(encoded == self.identity)
    }

    @Test func aLineBreakInAClaimIsWrittenAsASpaceEitherWay() {
        let identity = Identity(kind: "jwt", id: "k", subject: "eve\r\nx-admin: yes", scopes: ["a\nb"])
        let expected = "x-auth-subject: eve  x-admin: yes\r\nx-auth-scopes: a b\r\nx-auth-credential: jwt:k\r\n"
        #expect(self.lines(identity) == expected)
        #expect(self.lines(identity.encodingUpstreamFields()) == expected)
    }

    @Test func changingWhatTheLinesSayDropsTheEncoding() {
        var scopes = self.identity.encodingUpstreamFields()
        scopes.scopes = ["orders:read"]
        #expect(!scopes.keepsUpstreamFieldsEncoded)
        #expect(self.lines(scopes).contains("x-auth-scopes: orders:read\r\n"))
        var subject = self.identity.encodingUpstreamFields()
        subject.subject = "bob"
        #expect(self.lines(subject).hasPrefix("x-auth-subject: bob\r\n"))
        var id = self.identity.encodingUpstreamFields()
        id.id = "key-2"
        #expect(self.lines(id).hasSuffix("x-auth-credential: jwt:key-2\r\n"))
        var kind = self.identity.encodingUpstreamFields()
        kind.kind = "api_key"
        #expect(self.lines(kind).hasSuffix("x-auth-credential: api_key:key-1\r\n"))
        // jti and jkt are not in the lines: the encoding stays, and the copy it was made from
        // is untouched.
        let shared = self.identity.encodingUpstreamFields()
        var bound = shared
        bound.jkt = "thumbprint"
        #expect(bound.keepsUpstreamFieldsEncoded)
        #expect(shared.jkt == nil)
        #expect(bound != shared)
    }
}
