public import GatewayHTTP1
import GatewayValues
import NIOCore

/// The credential that satisfied a route (SPEC §9 "Several credentials").
///
/// Its fields live in one shared object (`CopyOnWrite`), as `VerifiedToken`'s do: an identity
/// travels from the check through the decision, the exchange and its audit record, and each copy
/// of the inline struct retained its four strings and its array (about 1,000 instructions a
/// request on a bearer route); a copy now retains one object.
///
/// An identity kept across requests (the token cache's, `encodingUpstreamFields()`) also keeps
/// its `X-Auth-*` lines already encoded, so a request copies them in one write.
public struct Identity: Sendable, Equatable {
    private var fields: CopyOnWrite<Fields>

    public init(kind: String, id: String, subject: String, scopes: [String], jti: String? = nil, jkt: String? = nil) {
        self.fields = CopyOnWrite(Fields(kind: kind, id: id, subject: subject, scopes: scopes, jti: jti, jkt: jkt))
    }

    /// `jwt`, `api_key` or `signature`.
    public var kind: String {
        _read { yield self.fields.value.kind }
        _modify {
            self.fields.value.upstreamFields = nil
            yield &self.fields.value.kind
        }
    }

    /// The key id: JWT `kid`, API key id, signature `keyid`.
    public var id: String {
        _read { yield self.fields.value.id }
        _modify {
            self.fields.value.upstreamFields = nil
            yield &self.fields.value.id
        }
    }

    public var subject: String {
        _read { yield self.fields.value.subject }
        _modify {
            self.fields.value.upstreamFields = nil
            yield &self.fields.value.subject
        }
    }

    public var scopes: [String] {
        _read { yield self.fields.value.scopes }
        _modify {
            self.fields.value.upstreamFields = nil
            yield &self.fields.value.scopes
        }
    }

    /// The token's `jti`, if any.
    public var jti: String? {
        _read { yield self.fields.value.jti }
        _modify { yield &self.fields.value.jti }
    }

    /// For a JWT presented with a verified DPoP proof: the proof key's RFC 7638 thumbprint (the
    /// token's `cnf.jkt`), audited as the `credential`'s `jkt` (SPEC §10).
    public var jkt: String? {
        _read { yield self.fields.value.jkt }
        _modify { yield &self.fields.value.jkt }
    }

    /// `X-Auth-Credential`: `jwt:<kid>`, `api_key:<id>`, `signature:<keyid>`.
    public var credentialLabel: String { "\(self.kind):\(self.id)" }

    /// Writes the fields the upstream is told the caller by (SPEC §3): `X-Auth-Subject`,
    /// `X-Auth-Scopes` (space-separated) and `X-Auth-Credential`, CR, LF and NUL in their values
    /// written as spaces. Copies the lines when this identity keeps them encoded.
    public func writeUpstreamFields(into writer: inout HTTP1HeadWriter) {
        if let lines = self.fields.value.upstreamFields {
            writer.writeLines(lines)
        } else {
            self.encodeUpstreamFields(into: &writer)
        }
    }

    /// This identity with its `X-Auth-*` lines encoded, for an identity that many requests
    /// share (a cached token's). Changing its kind, id, subject or scopes drops them.
    public func encodingUpstreamFields() -> Identity {
        var writer = HTTP1HeadWriter(allocator: ByteBufferAllocator(), capacity: 64 + self.subject.utf8.count + self.id.utf8.count)
        self.encodeUpstreamFields(into: &writer)
        var encoded = self
        encoded.fields.value.upstreamFields = writer.buffer
        return encoded
    }

    /// Whether the `X-Auth-*` lines are kept encoded (for tests).
    var keepsUpstreamFieldsEncoded: Bool { self.fields.value.upstreamFields != nil }

    private func encodeUpstreamFields(into writer: inout HTTP1HeadWriter) {
        writer.add(name: "x-auth-subject", value: self.subject)
        writer.add(name: "x-auth-scopes", joining: self.scopes, separator: UInt8(ascii: " "))
        writer.add(name: "x-auth-credential", self.kind, UInt8(ascii: ":"), self.id)
    }

    private struct Fields: Sendable, Equatable {
        var kind: String
        var id: String
        var subject: String
        var scopes: [String]
        var jti: String?
        var jkt: String?
        /// `writeUpstreamFields`' lines, when kept encoded; not part of the identity's value.
        var upstreamFields: ByteBuffer?

        static func == (lhs: Fields, rhs: Fields) -> Bool {
            lhs.kind == rhs.kind && lhs.id == rhs.id && lhs.subject == rhs.subject && lhs.scopes == rhs.scopes
                && lhs.jti == rhs.jti && lhs.jkt == rhs.jkt
        }
    }
}
