import Crypto
import GatewayRules
import Testing

@testable import GatewayCredentials

/// `HTTPSignatureVerifier` on requests signed with fresh keys: each SPEC §3/§9 rule and its code.
@Suite struct SignaturesVerifierTests {
    static let now: Int64 = 1_780_000_000
    static let window: Int64 = 300

    let privateKey = Curve25519.Signing.PrivateKey()
    let verifier: HTTPSignatureVerifier
    let signer: RequestSigner

    init() throws {
        let entry = SignatureKeyRing.Entry(
            key: .eddsa(EdDSAPublicVerificationKey(key: self.privateKey.publicKey)),
            algorithm: .ed25519,
            scopes: ["billing:write"],
            subject: "billing",
            replayScope: "signature:billing-bot"
        )
        let hmac = SignatureKeyRing.Entry(
            key: .hmac(try SignatureKeys.hmacKey(Array(repeating: 7, count: 32))),
            algorithm: .hmacSHA256,
            scopes: [],
            subject: "other",
            replayScope: "signature:other"
        )
        self.verifier = HTTPSignatureVerifier(
            keyRing: SignatureKeyRing(entries: ["billing-bot": entry, "other": hmac])
        )
        self.signer = try RequestSigner(keyID: "billing-bot", privateKeyPEM: self.privateKey.pemRepresentation)
    }

    static func request(
        method: String = "GET",
        target: String = "/invoices?id=7",
        authority: String = "api.example.com",
        hasBody: Bool = false
    ) -> SignedRequest {
        SignedRequest(
            method: method,
            scheme: "https",
            authority: authority,
            target: target,
            fields: [("Host", authority), ("Accept", "application/json")],
            hasBody: hasBody
        )
    }

    /// `request` with the headers `signer` produces.
    func signed(
        _ request: SignedRequest = Self.request(),
        content: [UInt8]? = nil,
        created: Int64 = Self.now
    ) throws -> SignedRequest {
        let headers = try self.signer.sign(request, content: content, created: created)
        var request = request
        request.fields += headers.fields
        return request
    }

    /// `request` signed with exactly these components and parameters, under `label`.
    func signed(
        _ request: SignedRequest,
        components: [String],
        parameters: [(String, SignatureParameterValue)],
        label: String = "sig1"
    ) throws -> SignedRequest {
        let headers = try self.signer.sign(request, label: label, components: components, parameters: parameters)
        return request.adding("Signature-Input", headers.signatureInput).adding("Signature", headers.signature)
    }

    func verify(
        _ request: SignedRequest,
        now: Int64 = Self.now,
        requireNonce: Bool = false
    ) throws -> VerifiedSignature {
        try self.verifier.verify(request: request, now: now, window: Self.window, requireNonce: requireNonce)
    }

    func error(
        _ request: SignedRequest,
        now: Int64 = Self.now,
        requireNonce: Bool = false
    ) -> SignatureVerificationError? {
        signatureError { try self.verify(request, now: now, requireNonce: requireNonce) }
    }

    static let essentials = ["@method", "@authority", "@path", "@query"]

    // MARK: Accepted

    @Test func aSignedRequestVerifies() throws {
        let verified = try self.verify(try self.signed(), requireNonce: true)
        #expect(verified.keyID == "billing-bot")
        #expect(verified.alg == .ed25519)
        #expect(verified.label == "sig1")
        #expect(verified.created == Self.now)
        #expect(verified.subject == "billing")
        #expect(verified.scopes == ["billing:write"])
        #expect(verified.replayScope == "signature:billing-bot")
        #expect(verified.nonceExpiry(window: Self.window) == Self.now + Self.window)
        #expect(HTTPSignatureVerifier.nonceLengths.contains(try #require(verified.nonce).count))
        #expect(!verified.coversContentDigest)
        #expect(verified.coveredComponents == [#""@method""#, #""@authority""#, #""@path""#, #""@query""#])
    }

    @Test func contentIsCoveredAndItsDigestParsed() throws {
        let content = Array(#"{"amount": 12}"#.utf8)
        let request = try self.signed(
            Self.request(method: "POST", target: "/invoices", hasBody: true),
            content: content
        )
        let verified = try self.verify(request)
        #expect(verified.coversContentDigest)
        var digest = ContentDigestVerifier(try #require(verified.contentDigest))
        digest.update(content)
        #expect(digest.finish())
        var tampered = ContentDigestVerifier(try #require(verified.contentDigest))
        tampered.update(Array(#"{"amount": 13}"#.utf8))
        #expect(!tampered.finish())
    }

    /// RFC 9421 §2.2.3: the authority is compared lowercased and without the default port.
    @Test func authorityIsNormalised() throws {
        let request = try self.signed(Self.request(authority: "api.example.com"))
        var received = request
        received.authority = "API.Example.com:443"
        #expect(throws: Never.self) { try self.verify(received) }
        received.authority = "api.example.com:8443"
        #expect(self.error(received) == .badSignature)
    }

    // MARK: Tampering

    @Test func aTamperedComponentFails() throws {
        let request = try self.signed()
        var path = request
        path.target = "/invoices/../admin?id=7"
        #expect(self.error(path) == .badSignature)
        var query = request
        query.target = "/invoices?id=8"
        #expect(self.error(query) == .badSignature)
        var method = request
        method.method = "DELETE"
        #expect(self.error(method) == .badSignature)
        var authority = request
        authority.authority = "evil.example.com"
        #expect(self.error(authority) == .badSignature)
        // A header that is not covered may change.
        #expect(throws: Never.self) { try self.verify(request.replacing("Accept", with: "text/html")) }
    }

    @Test func aChangedSignatureByteFails() throws {
        let request = try self.signed()
        let signature = try #require(request.fieldValue("signature"))
        #expect(
            self.error(request.replacing("Signature", with: SignaturesRFC9421Tests.flipped(signature))) == .badSignature
        )
    }

    @Test func aCoveredFieldThatIsAbsentFails() throws {
        let request = try self.signed(
            Self.request().adding("X-Tenant", "acme"),
            components: Self.essentials + ["x-tenant"],
            parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot"))]
        )
        #expect(throws: Never.self) { try self.verify(request) }
        // RFC 9421 §2.5: the base cannot be built; the message is not the one signed.
        #expect(self.error(request.removing("X-Tenant")) == .badSignature)
    }

    @Test func contentThatDoesNotMatchItsCoveredDigestIsCaughtByTheDigestVerifier() throws {
        let request = try self.signed(
            Self.request(method: "POST", target: "/invoices", hasBody: true),
            content: Array("one".utf8)
        )
        let verified = try self.verify(request)
        var digest = ContentDigestVerifier(try #require(verified.contentDigest))
        digest.update(Array("two".utf8))
        #expect(!digest.finish())
        // Changing the digest itself breaks the signature.
        let other = ContentDigest.fieldValue(for: Array("two".utf8))
        #expect(self.error(request.replacing("Content-Digest", with: other)) == .badSignature)
        // And a covered digest that is gone cannot be checked.
        #expect(self.error(request.removing("Content-Digest")) == .badSignature)
    }

    // MARK: Time

    @Test func createdMustBeWithinTheWindow() throws {
        let request = try self.signed(created: Self.now)
        #expect(throws: Never.self) { try self.verify(request, now: Self.now + Self.window) }
        #expect(throws: Never.self) { try self.verify(request, now: Self.now - Self.window) }
        #expect(self.error(request, now: Self.now + Self.window + 1) == .timestampOutOfWindow)
        #expect(self.error(request, now: Self.now - Self.window - 1) == .timestampOutOfWindow)
    }

    @Test func staleAndFutureCreatedAreRefused() throws {
        #expect(self.error(try self.signed(created: Self.now - 3600)) == .timestampOutOfWindow)
        #expect(self.error(try self.signed(created: Self.now + 3600)) == .timestampOutOfWindow)
        #expect(self.error(try self.signed(created: -999_999_999_999_999)) == .timestampOutOfWindow)
    }

    @Test func expiresIsHonoured() throws {
        let request = try self.signed(
            Self.request(),
            components: Self.essentials,
            parameters: [
                ("created", .integer(Self.now - 10)), ("expires", .integer(Self.now)),
                ("keyid", .string("billing-bot")),
            ]
        )
        #expect(throws: Never.self) { try self.verify(request, now: Self.now) }
        #expect(self.error(request, now: Self.now + 1) == .timestampOutOfWindow)
    }

    /// The time checks come after the signature (SPEC §9: 4 before 6).
    @Test func aForgedStaleSignatureIsABadSignature() throws {
        let request = try self.signed(created: Self.now - 3600)
        let signature = try #require(request.fieldValue("signature"))
        let forged = request.replacing("Signature", with: SignaturesRFC9421Tests.flipped(signature))
        #expect(self.error(forged) == .badSignature)
    }

    // MARK: Nonce

    @Test func aReplayRequiredRouteNeedsANonce() throws {
        let request = try self.signed(
            Self.request(),
            components: Self.essentials,
            parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot"))]
        )
        #expect(throws: Never.self) { try self.verify(request, requireNonce: false) }
        #expect(self.error(request, requireNonce: true) == .replayProtectionRequired)
    }

    @Test func nonceLengthIs16To128OnReplayRequiredRoutes() throws {
        func withNonce(_ length: Int) throws -> SignedRequest {
            try self.signed(
                Self.request(),
                components: Self.essentials,
                parameters: [
                    ("created", .integer(Self.now)), ("keyid", .string("billing-bot")),
                    ("nonce", .string(String(repeating: "n", count: length))),
                ]
            )
        }
        #expect(self.error(try withNonce(15), requireNonce: true) == .malformedCredential)
        #expect(throws: Never.self) { try self.verify(try withNonce(16), requireNonce: true) }
        #expect(throws: Never.self) { try self.verify(try withNonce(128), requireNonce: true) }
        #expect(self.error(try withNonce(129), requireNonce: true) == .malformedCredential)
        // Where no nonce is required, its length is not judged.
        #expect(try self.verify(try withNonce(8), requireNonce: false).nonce == "nnnnnnnn")
    }

    @Test func aNonceThatIsNotAStringIsMalformed() throws {
        let request = try self.signed(
            Self.request(),
            components: Self.essentials,
            parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot")), ("nonce", .integer(12))]
        )
        #expect(self.error(request) == .malformedCredential)
    }

    // MARK: Keys

    @Test func anAlgParameterMustBeTheKeys() throws {
        func withAlg(_ alg: String) throws -> SignedRequest {
            try self.signed(
                Self.request(),
                components: Self.essentials,
                parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot")), ("alg", .string(alg))]
            )
        }
        #expect(throws: Never.self) { try self.verify(try withAlg("ed25519")) }
        #expect(self.error(try withAlg("hmac-sha256")) == .algNotAllowed)
        #expect(self.error(try withAlg("rsa-pss-sha512")) == .algNotAllowed)
        #expect(self.error(try withAlg("ED25519")) == .algNotAllowed)
    }

    @Test func anUnknownKeyIDIsUnknownKey() throws {
        let request = try self.signed(
            Self.request(),
            components: Self.essentials,
            parameters: [("created", .integer(Self.now)), ("keyid", .string("someone-else"))]
        )
        #expect(self.error(request) == .unknownKey)
    }

    @Test func theFirstLabelWithAConfiguredKeyIsVerified() throws {
        let good = try self.signed()
        let goodInput = try #require(good.fieldValue("signature-input")).replacingOccurrences("sig1=", "b=")
        let goodSignature = try #require(good.fieldValue("signature")).replacingOccurrences("sig1=", "b=")
        let foreignInput = #"a=("@method");created=1;keyid="not-ours""#
        let badInput = goodInput.replacingOccurrences("b=", "c=")
        let badSignature = SignaturesRFC9421Tests.flipped(goodSignature).replacingOccurrences("b=", "c=")
        let base = Self.request()

        // An unknown key first, then ours: ours is chosen, and a bad one after it is never looked at.
        let ordered = base.adding("Signature-Input", "\(foreignInput), \(goodInput), \(badInput)")
            .adding("Signature", "a=:AAAA:, \(goodSignature), \(badSignature)")
        #expect(try self.verify(ordered).label == "b")

        // Several lines of the fields are one dictionary (RFC 9421 §4.1).
        let lines = base.adding("Signature-Input", foreignInput).adding("Signature-Input", goodInput)
            .adding("Signature", goodSignature)
        #expect(try self.verify(lines).label == "b")

        // A bad signature under the first configured key is not rescued by a later good one.
        let badFirst = base.adding("Signature-Input", "\(badInput), \(goodInput)")
            .adding("Signature", "\(badSignature), \(goodSignature)")
        #expect(self.error(badFirst) == .badSignature)
    }

    // MARK: Covered components (SPEC §3)

    @Test func methodAuthorityAndPathMustBeCovered() throws {
        for missing in ["@method", "@authority", "@path"] {
            let request = try self.signed(
                Self.request(),
                components: Self.essentials.filter { $0 != missing },
                parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot"))]
            )
            #expect(self.error(request) == .malformedCredential, "without \(missing)")
        }
    }

    @Test func aQueryRequiresAtQuery() throws {
        let parameters: [(String, SignatureParameterValue)] = [
            ("created", .integer(Self.now)), ("keyid", .string("billing-bot")),
        ]
        let withQuery = try self.signed(
            Self.request(target: "/invoices?id=7"),
            components: ["@method", "@authority", "@path"],
            parameters: parameters
        )
        #expect(self.error(withQuery) == .malformedCredential)
        // An empty query is a query ("?" is its @query value).
        let emptyQuery = try self.signed(
            Self.request(target: "/invoices?"),
            components: ["@method", "@authority", "@path"],
            parameters: parameters
        )
        #expect(self.error(emptyQuery) == .malformedCredential)
        let noQuery = try self.signed(
            Self.request(target: "/invoices"),
            components: ["@method", "@authority", "@path"],
            parameters: parameters
        )
        #expect(throws: Never.self) { try self.verify(noQuery) }
    }

    @Test func contentRequiresContentDigest() throws {
        let request = try self.signed(
            Self.request(method: "POST", target: "/invoices", hasBody: true).adding(
                "Content-Digest",
                ContentDigest.fieldValue(for: [1, 2, 3])
            ),
            components: ["@method", "@authority", "@path"],
            parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot"))]
        )
        #expect(self.error(request) == .malformedCredential)
        // One member of the digest (`;key`) does not cover the field.
        let member = try self.signed(
            Self.request(method: "POST", target: "/invoices", hasBody: true).adding(
                "Content-Digest",
                ContentDigest.fieldValue(for: [1, 2, 3])
            ),
            components: ["@method", "@authority", "@path", #""content-digest";key="sha-256""#],
            parameters: [("created", .integer(Self.now)), ("keyid", .string("billing-bot"))]
        )
        #expect(self.error(member) == .malformedCredential)
    }

    @Test func invalidComponentsAreMalformed() throws {
        let base = Self.request(target: "/invoices")
        let essentials = #""@method" "@authority" "@path""#
        for extra in [
            #""@status""#, #""@method";req"#, #""Accept""#, #""accept";tr"#, #""accept";sf"#, #""@nonsense""#,
            #""@signature-params""#, #""@path""#, #""@query-param""#, #""accept";bs;sf"#, #""accept";x=1"#, "token",
        ] {
            let input = "sig1=(\(essentials) \(extra));created=\(Self.now);keyid=\"billing-bot\""
            let request = base.adding("Signature-Input", input).adding("Signature", "sig1=:AAAA:")
            #expect(self.error(request) == .malformedCredential, "\(extra)")
        }
    }

    // MARK: Well-formedness

    @Test func keyIDAndCreatedAreRequired() throws {
        let base = Self.request(target: "/invoices")
        let components = #"("@method" "@authority" "@path")"#
        let noKeyID = base.adding("Signature-Input", "sig1=\(components);created=\(Self.now)")
            .adding("Signature", "sig1=:AAAA:")
        #expect(self.error(noKeyID) == .malformedCredential)
        let noCreated = base.adding("Signature-Input", "sig1=\(components);keyid=\"billing-bot\"")
            .adding("Signature", "sig1=:AAAA:")
        #expect(self.error(noCreated) == .malformedCredential)
        let stringCreated = base.adding("Signature-Input", "sig1=\(components);created=\"1\";keyid=\"billing-bot\"")
            .adding("Signature", "sig1=:AAAA:")
        #expect(self.error(stringCreated) == .malformedCredential)
        let tokenKeyID = base.adding("Signature-Input", "sig1=\(components);created=1;keyid=billing-bot")
            .adding("Signature", "sig1=:AAAA:")
        #expect(self.error(tokenKeyID) == .malformedCredential)
    }

    @Test func malformedFieldsAreMalformed() throws {
        let request = try self.signed()
        let input = try #require(request.fieldValue("signature-input"))
        #expect(self.error(request.removing("Signature")) == .malformedCredential)
        #expect(self.error(request.removing("Signature-Input")) == .malformedCredential)
        #expect(self.error(request.replacing("Signature-Input", with: "sig1=(\"@method\"")) == .malformedCredential)
        #expect(self.error(request.replacing("Signature", with: "sig1=not base64")) == .malformedCredential)
        #expect(self.error(request.replacing("Signature", with: "other=:AAAA:")) == .malformedCredential)
        #expect(self.error(request.replacing("Signature", with: "sig1=\"text\"")) == .malformedCredential)
        #expect(self.error(request.replacing("Signature-Input", with: input + ", " + input)) == nil)
    }

    @Test func theErrorsCarryTheirSPECCodesAndStatuses() {
        #expect(SignatureVerificationError.malformedCredential.reasonCode == "malformed_credential")
        #expect(SignatureVerificationError.malformedCredential.httpStatus == 400)
        #expect(SignatureVerificationError.unknownKey.reasonCode == "unknown_key")
        #expect(SignatureVerificationError.algNotAllowed.reasonCode == "alg_not_allowed")
        #expect(SignatureVerificationError.badSignature.reasonCode == "bad_signature")
        #expect(SignatureVerificationError.timestampOutOfWindow.reasonCode == "timestamp_out_of_window")
        #expect(SignatureVerificationError.replayProtectionRequired.reasonCode == "replay_protection_required")
        #expect(SignatureVerificationError.digestMismatch.reasonCode == "digest_mismatch")
        #expect(SignatureVerificationError.digestMismatch.httpStatus == 401)
        #expect(SignatureVerificationError.badSignature("detail") == .badSignature)
        #expect(SignatureVerificationError.badSignature("detail").description == "bad_signature: detail")
    }
}
