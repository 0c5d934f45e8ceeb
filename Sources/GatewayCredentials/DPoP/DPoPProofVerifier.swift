import Crypto
public import GatewayRules
import _CryptoExtras

/// Verifies DPoP proofs at the resource server (RFC 9449 §4.3 and §7.1; SPEC §10).
///
/// Immutable and `Sendable`: one per rules snapshot, shared by every event loop. Nothing is
/// cached: every proof is parsed and its signature checked, because each is single-use (the
/// caller records its `jti`, per `jkt`, in the replay store with check 9).
///
/// The checks, in order (`DPoPProofCheck`), each failing with `invalid_dpop_proof`:
/// 1. form — at most `maxProofBytes` (8 KiB), three base64url parts (`CompactJWS`), a JOSE
///    header that `JSONDocument` accepts (no duplicate member names) and that has no `crit`;
/// 2. `typ` is `dpop+jwt` (§4.3 step 4);
/// 3. `alg` is one of `[dpop] algs`, which holds asymmetric algorithms only (step 5; `none` and
///    `HS*` never are);
/// 4. `jwk` is a public key of the kind `alg` needs (EC P-256 for ES256, P-384 for ES384, OKP
///    Ed25519 for EdDSA, RSA of 2048 bits or more for RS*/PS*) with no private member (`d`, `p`,
///    `q`, `dp`, `dq`, `qi`, `oth`, `k`; step 7), and its RFC 7638 thumbprint can be computed;
/// 5. the signature verifies with that key (step 6; ECDSA signatures range-checked as tokens'
///    are, so the all-zero "psychic" signature fails);
/// 6. the claims set is a JSON object without duplicates holding `jti` (a string of 1–256
///    bytes), `htm`, `htu` (strings) and `iat` (a number), and `ath`, if present, a string
///    (step 3);
/// 7. `htm` is the request's method (step 8);
/// 8. `htu` is the request's target URI, query and fragment ignored, both normalised (step 9,
///    `DPoPTargetURI`);
/// 9. `iat` is within `window` of now, in either direction (step 11; §11.1);
/// 10. `ath` is present (§4.2: required with an access token) and is the base64url SHA-256 of
///     the access token (step 12, §7.1);
/// 11. the thumbprint is the token's `cnf.jkt` (§7.1, §6.1).
///
/// Server-provided nonces (`DPoP-Nonce`, step 10) are not used: a `nonce` claim is ignored.
public struct DPoPProofVerifier: Sendable {
    /// A proof carries a public key (up to 8192-bit RSA) and a signature; 8 KiB is ample, and
    /// longer headers cost no base64, JSON or crypto work.
    public static let maxProofBytes = 8 * 1024
    /// Lengths of `jti` accepted, in bytes. RFC 9449 §11.1 asks for at least 96 random bits; a
    /// UUID is 36 characters. The bound keeps what the replay store holds small.
    public static let jtiLengths = 1...256
    /// RSA moduli accepted in a proof's `jwk`: RFC 7518 §3.3's minimum, and an upper bound so a
    /// proof cannot make the gateway do an arbitrarily large modular exponentiation.
    public static let rsaModulusBits = 2048...8192
    /// Private JWK members (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
    static let privateMembers: [StaticString] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    /// The accepted algorithms, in `[dpop] algs` order (none symmetric).
    public let algorithms: [JWTAlgorithm]
    /// Seconds: how far `iat` may be from now, either way.
    public let window: Int64
    private let algorithmNames: [(JWTAlgorithm, [UInt8])]

    /// HMAC algorithms are dropped: a proof is never verified with a shared secret.
    public init(algorithms: [JWTAlgorithm], window: Int64) {
        self.algorithms = algorithms.filter { !$0.isHMAC }
        self.window = window
        self.algorithmNames = self.algorithms.map { ($0, Array($0.rawValue.utf8)) }
    }

    /// The verifier of a rules snapshot: `[dpop] algs` and its window (default `replay.window`).
    public init(rules: Rules) {
        self.init(algorithms: rules.dpop.algorithms, window: rules.dpopWindow.components.seconds)
    }

    /// Verifies `proof` (the `DPoP` field value) for `request`, presented with `accessToken`
    /// (the credential after `DPoP `), which is bound to `boundThumbprint` (its `cnf.jkt`; nil
    /// when it has none, which fails the last check).
    public func verify(
        _ proof: some StringProtocol,
        request: DPoPRequest,
        accessToken: some StringProtocol,
        boundThumbprint: String?,
        now: Int64
    ) throws(DPoPProofError) -> VerifiedDPoPProof {
        let tokenHash =
            accessToken.utf8.withContiguousStorageIfAvailable { Self.tokenHash(UnsafeRawBufferPointer($0)) }
            ?? Array(accessToken.utf8).withUnsafeBytes { Self.tokenHash($0) }
        let check = { (bytes: UnsafeRawBufferPointer) in
            self.result(bytes, request: request, tokenHash: tokenHash, boundThumbprint: boundThumbprint, now: now)
        }
        let result =
            proof.utf8.withContiguousStorageIfAvailable { check(UnsafeRawBufferPointer($0)) }
            ?? Array(proof.utf8).withUnsafeBytes(check)
        return try result.get()
    }

    /// `ath` as it must read: base64url(SHA-256(the access token's ASCII bytes)) (RFC 9449 §4.2).
    static func tokenHash(_ token: UnsafeRawBufferPointer) -> String {
        Base64URL.encode(Array(SHA256.hash(data: token)))
    }

    private func result(
        _ proof: UnsafeRawBufferPointer,
        request: DPoPRequest,
        tokenHash: String,
        boundThumbprint: String?,
        now: Int64
    ) -> Result<VerifiedDPoPProof, DPoPProofError> {
        do throws(DPoPProofError) {
            return .success(
                try self.check(proof, request: request, tokenHash: tokenHash, boundThumbprint: boundThumbprint, now: now)
            )
        } catch {
            return .failure(error)
        }
    }

    private func check(
        _ proof: UnsafeRawBufferPointer,
        request: DPoPRequest,
        tokenHash: String,
        boundThumbprint: String?,
        now: Int64
    ) throws(DPoPProofError) -> VerifiedDPoPProof {
        // 1. Form.
        guard proof.count <= Self.maxProofBytes else {
            throw DPoPProofError(.form, "the proof is longer than \(Self.maxProofBytes) bytes")
        }
        guard let jws = CompactJWS.split(proof) else { throw DPoPProofError(.form, "not three base64url parts") }
        guard let headerBytes = Base64URL.decode(UnsafeRawBufferPointer(rebasing: proof[jws.header])) else {
            throw DPoPProofError(.form, "the header is not base64url")
        }
        guard let payload = Base64URL.decode(UnsafeRawBufferPointer(rebasing: proof[jws.payload])) else {
            throw DPoPProofError(.form, "the payload is not base64url")
        }
        guard let signature = Base64URL.decode(UnsafeRawBufferPointer(rebasing: proof[jws.signature])) else {
            throw DPoPProofError(.form, "the signature is not base64url")
        }
        let header = try DPoPProofHeader(decoded: headerBytes)

        // 2. typ.
        guard header.type != nil else { throw DPoPProofError(.type, "the header has no typ") }
        guard header.hasProofType else { throw DPoPProofError(.type, "typ is not dpop+jwt") }

        // 3. alg.
        guard let algorithm = self.algorithm(named: header.algorithmName) else {
            let known = JWTAlgorithm.allCases.first { header.algorithmName.elementsEqual($0.rawValue.utf8) }
            let why: String
            if let known, known.isHMAC {
                why = "\(known.rawValue) is symmetric; a proof must be signed with a private key"
            } else if let known {
                why = "\(known.rawValue) is not one of dpop.algs"
            } else if header.algorithmName.count == 4, header.algorithmName.map({ $0 | 0x20 }).elementsEqual("none".utf8) {
                why = "alg none is never accepted"
            } else {
                why = "alg is not one of dpop.algs"
            }
            throw DPoPProofError(.algorithm, why)
        }

        // 4. jwk: a public key of the kind alg needs.
        let (key, thumbprint) = try Self.publicKey(header, algorithm: algorithm)

        // 5. Signature.
        let valid = signature.withUnsafeBytes { signature in
            key.isValidSignature(signature, for: UnsafeRawBufferPointer(rebasing: proof[jws.signingInput]))
        }
        guard valid else { throw DPoPProofError(.signature, "the signature does not verify with the proof's jwk") }

        // 6. Claims, read only now that the signature verified.
        let claims = try ProofClaims(payload)

        // 7. htm.
        guard claims.htm.elementsEqual(request.method.utf8) else {
            throw DPoPProofError(
                .method,
                "htm is \(Self.shown(claims.htm)), the request's method is \(request.method)"
            )
        }

        // 8. htu.
        guard let target = request.targetURI else {
            throw DPoPProofError(.uri, "the request has no target URI (no Host)")
        }
        // Most clients write htu exactly as the normalised form; only others are normalised.
        if !claims.htu.elementsEqual(target.utf8) {
            let htu = String(decoding: claims.htu, as: UTF8.self)
            guard let normalized = DPoPTargetURI.normalized(htu[...]), normalized == target else {
                throw DPoPProofError(.uri, "htu is \(Self.shown(claims.htu)), the request's target URI is \(target)")
            }
        }

        // 9. iat.
        let (difference, overflow) = now.subtractingReportingOverflow(claims.iat)
        guard !overflow, difference.magnitude <= UInt64(max(self.window, 0)) else {
            let direction = claims.iat > now ? "ahead of" : "behind"
            throw DPoPProofError(.time, "iat is more than \(self.window)s \(direction) now")
        }

        // 10. ath: required with an access token (§4.2), which a resource server always has.
        guard let ath = claims.ath else {
            throw DPoPProofError(.tokenHash, "the proof has no ath (it is presented with an access token)")
        }
        guard ath.elementsEqual(tokenHash.utf8) else {
            throw DPoPProofError(.tokenHash, "ath is not the SHA-256 of the access token presented")
        }

        // 11. Binding.
        guard let boundThumbprint else {
            throw DPoPProofError(.binding, "the access token has no cnf.jkt to bind the proof to")
        }
        guard thumbprint == boundThumbprint else {
            throw DPoPProofError(.binding, "the proof's jwk is not the key the access token is bound to (cnf.jkt)")
        }
        return VerifiedDPoPProof(jkt: thumbprint, jti: claims.jti, iat: claims.iat, algorithm: algorithm)
    }

    private func algorithm(named name: ArraySlice<UInt8>) -> JWTAlgorithm? {
        for (algorithm, bytes) in self.algorithmNames where name.elementsEqual(bytes) { return algorithm }
        return nil
    }

    /// The proof's `jwk` as a verification key pinned to `algorithm`, and its thumbprint.
    private static func publicKey(
        _ header: DPoPProofHeader,
        algorithm: JWTAlgorithm
    ) throws(DPoPProofError) -> (AnyVerificationKey, String) {
        guard let object = header.jwk else { throw DPoPProofError(.key, "the header has no jwk") }
        let document = header.document
        for name in Self.privateMembers where document.member(name, in: object) != nil {
            throw DPoPProofError(.key, "the jwk holds the private member \(name)")
        }
        guard let kty = document.member("kty", in: object).flatMap({ document.stringBytes($0) }) else {
            throw DPoPProofError(.key, "the jwk has no kty")
        }
        let family: String
        switch algorithm {
        case .es256, .es384: family = "EC"
        case .eddsa: family = "OKP"
        default: family = "RSA"
        }
        guard kty.elementsEqual(family.utf8) else {
            throw DPoPProofError(.key, "\(algorithm.rawValue) needs a jwk of kty \(family)")
        }
        let key: AnyVerificationKey
        let thumbprint: String
        do throws(KeyProblem) {
            key = try JWK(document: document, object: object).verificationKey(for: algorithm)
            thumbprint = try JWKThumbprint.sha256(document: document, object: object)
        } catch {
            throw DPoPProofError(.key, "the jwk is not a \(family) public key for \(algorithm.rawValue)")
        }
        if case .rsa(let rsa) = key, !Self.rsaModulusBits.contains(rsa.key.keySizeInBits) {
            throw DPoPProofError(.key, "the RSA key is \(rsa.key.keySizeInBits) bits (accepted: 2048–8192)")
        }
        return (key, thumbprint)
    }

    /// A client-chosen value for a message: short ASCII as is, anything else described.
    private static func shown(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.count <= 256, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return "a value of \(bytes.count) bytes"
        }
        return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
    }
}

/// The claims of a proof that its checks read (RFC 9449 §4.2), from the decoded payload.
private struct ProofClaims {
    var jti: String
    var htm: ArraySlice<UInt8>
    var htu: ArraySlice<UInt8>
    var iat: Int64
    /// Checked at its own step, so a token-endpoint proof (RFC 9449 §4.1, without `ath`) gets as
    /// far as its other claims allow.
    var ath: ArraySlice<UInt8>?

    init(_ payload: [UInt8]) throws(DPoPProofError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: payload)
        } catch {
            throw DPoPProofError(.claims, "claims: \(error.reason)")
        }
        guard document.kind(JSONDocument.root) == .object else {
            throw DPoPProofError(.claims, "the claims set is not a JSON object")
        }
        var jti: ArraySlice<UInt8>?
        var htm: ArraySlice<UInt8>?
        var htu: ArraySlice<UInt8>?
        var iat: Int64?
        var ath: ArraySlice<UInt8>?
        for (key, value) in document.members(of: JSONDocument.root) {
            if document.stringEquals(key, "jti") {
                jti = try Self.string(document, value, "jti")
            } else if document.stringEquals(key, "htm") {
                htm = try Self.string(document, value, "htm")
            } else if document.stringEquals(key, "htu") {
                htu = try Self.string(document, value, "htu")
            } else if document.stringEquals(key, "ath") {
                ath = try Self.string(document, value, "ath")
            } else if document.stringEquals(key, "iat") {
                guard document.kind(value) == .number, let seconds = document.integer(value, roundingUp: true) else {
                    throw DPoPProofError(.claims, "iat is not a NumericDate")
                }
                iat = seconds
            }
        }
        guard let jti else { throw DPoPProofError(.claims, "the proof has no jti") }
        guard DPoPProofVerifier.jtiLengths.contains(jti.count) else {
            throw DPoPProofError(.claims, "jti is \(jti.count) bytes (accepted: 1–\(DPoPProofVerifier.jtiLengths.upperBound))")
        }
        guard let htm else { throw DPoPProofError(.claims, "the proof has no htm") }
        guard let htu else { throw DPoPProofError(.claims, "the proof has no htu") }
        guard let iat else { throw DPoPProofError(.claims, "the proof has no iat") }
        self.jti = String(decoding: jti, as: UTF8.self)
        self.htm = htm
        self.htu = htu
        self.iat = iat
        self.ath = ath
    }

    private static func string(
        _ document: JSONDocument,
        _ value: Int,
        _ name: StaticString
    ) throws(DPoPProofError) -> ArraySlice<UInt8> {
        guard let bytes = document.stringBytes(value) else { throw DPoPProofError(.claims, "\(name) is not a string") }
        return bytes
    }
}
