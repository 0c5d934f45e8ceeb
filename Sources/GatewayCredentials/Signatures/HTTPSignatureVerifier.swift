public import GatewayRules
import RawStructuredFieldValues

/// Verifies HTTP Message Signatures (RFC 9421) on requests against a `SignatureKeyRing`:
/// SPEC §9 checks 2–4 and 6 for the signature credential, and the nonce's presence for check 9.
///
/// Immutable and `Sendable`: one per rules snapshot, shared by every event loop. It never
/// touches the replay store: a nonce is recorded by the policy only after this verified it and
/// every later check passed (SPEC §4, §9 step 9).
///
/// Order, and the code each step answers (see `SignatureVerificationError` for the readings):
/// 1. `Signature-Input` and `Signature` are RFC 8941 dictionaries — `malformed_credential`;
/// 2. one signature is chosen: the first label of `Signature-Input` whose `keyid` names a
///    configured key (SPEC §3) — `unknown_key` if none does, `malformed_credential` if a label
///    has no `keyid` at all; the label must be in `Signature` as a byte sequence —
///    `malformed_credential`;
/// 3. that signature is well formed — `created` (an integer) and `keyid` present, `expires` an
///    integer and `nonce`, `alg`, `tag` strings if present, every covered component valid in a
///    request and none twice, the SPEC §3 components covered (`@method`, `@authority`, `@path`,
///    `@query` when the target has a `?`, `content-digest` when there is content), on a
///    replay-required route a `nonce` of 16–128 characters, a covered `Content-Digest` parsable —
///    `malformed_credential`. (The key lookup of step 2 has to come first: it is what chooses
///    the signature these checks apply to.)
/// 4. an `alg` parameter equals the key's algorithm — `alg_not_allowed`;
/// 5. the signature base (RFC 9421 §2.5, components derived from the request as received) and
///    the signature — `bad_signature`;
/// 6. `created` within `window` seconds of now, before or after; `expires`, if present, not
///    passed — `timestamp_out_of_window`;
/// 7. on a replay-required route, a `nonce` — `replay_protection_required`.
///
/// Only after step 5 is anything taken from the signature as true.
public struct HTTPSignatureVerifier: Sendable {
    /// RFC 9421 leaves nonce length open; SPEC §4 asks 16–128 characters on replay-required routes.
    public static let nonceLengths = 16...128

    public let keyRing: SignatureKeyRing

    public init(keyRing: SignatureKeyRing) {
        self.keyRing = keyRing
    }

    /// The verifier of a rules snapshot's `[[signing_keys]]`.
    public init(rules: Rules) throws(KeyLoadError) {
        self.init(keyRing: try SignatureKeyRing(rules: rules.signingKeys))
    }

    /// Verifies the signature of `request`.
    ///
    /// - Parameters:
    ///   - now: Unix seconds.
    ///   - window: `replay.window` in seconds: `created` must be within it of `now`, on every
    ///     route (SPEC §9 "Signatures").
    ///   - requireNonce: the route has `replay = "required"`: a `nonce` must be present and
    ///     16–128 characters long. A policy that must answer scopes (check 8) before
    ///     `replay_protection_required` (check 9) passes false and checks
    ///     `VerifiedSignature.nonce` itself at check 9 (with `nonceLengths`).
    public func verify(
        request: SignedRequest,
        now: Int64,
        window: Int64,
        requireNonce: Bool
    ) throws(SignatureVerificationError) -> VerifiedSignature {
        // 1. Both fields parse.
        guard let inputText = request.fieldValue("signature-input") else {
            throw .malformed("Signature without Signature-Input")
        }
        guard let signatureText = request.fieldValue("signature") else {
            throw .malformed("Signature-Input without Signature")
        }
        guard let inputs = StructuredFields.dictionary(inputText) else {
            throw .malformed("Signature-Input is not a structured dictionary (RFC 9421 §4.1)")
        }
        guard let signatures = StructuredFields.dictionary(signatureText) else {
            throw .malformed("Signature is not a structured dictionary (RFC 9421 §4.2)")
        }

        // 2. Choose the first label whose keyid names a configured key.
        var chosen: (label: String, list: InnerList, keyID: String, entry: SignatureKeyRing.Entry)? = nil
        var unnamed = false
        for (label, member) in inputs {
            guard case .innerList(let list) = member, case .string(let keyID)? = list.rfc9651Parameters["keyid"]
            else {
                unnamed = true
                continue
            }
            if let entry = self.keyRing.entry(forKeyID: keyID) {
                chosen = (label, list, keyID, entry)
                break
            }
        }
        guard let chosen else {
            if unnamed { throw .malformed("a signature in Signature-Input has no keyid") }
            throw .unknownKey("no Signature-Input label has a keyid of a configured signing key")
        }
        guard case .item(let signatureItem)? = signatures[chosen.label],
            case .undecodedByteSequence(let encodedSignature) = signatureItem.rfc9651BareItem,
            let signature = Base64.decode(encodedSignature)
        else {
            throw .malformed("Signature has no byte sequence for label \(chosen.label)")
        }

        // 3. Well formed.
        let parameters = try SignatureParameters(chosen.list.rfc9651Parameters)
        let components = try Self.components(of: chosen.list, request: request)
        if requireNonce, let nonce = parameters.nonce, !Self.nonceLengths.contains(nonce.count) {
            throw .malformed("nonce must be 16–128 characters, not \(nonce.count)")
        }
        var contentDigest: ContentDigest? = nil
        if components.coversContentDigest, let field = request.fieldValue("content-digest") {
            contentDigest = try ContentDigest(parsing: field)
        }

        // 4. The algorithm, if named, is the key's.
        if let alg = parameters.alg, alg != chosen.entry.algorithm.rawValue {
            throw .algNotAllowed("alg \(alg) is not the key's \(chosen.entry.algorithm.rawValue)")
        }

        // 5. The signature base and the signature.
        var serializer = StructuredFieldValueSerializer()
        guard let signatureParameters = try? serializer.writeListFieldValue([.innerList(chosen.list)]) else {
            throw .malformed("the signature parameters cannot be serialized")
        }
        let base = try SignatureBase.build(
            request,
            components: components.identifiers,
            signatureParameters: signatureParameters
        )
        let valid = signature.withUnsafeBytes { signature in
            base.withUnsafeBytes { base in chosen.entry.key.isValidSignature(signature, for: base) }
        }
        guard valid else { throw .badSignature("signature \(chosen.label) does not verify") }

        // 6. Time.
        let (age, overflow) = now.subtractingReportingOverflow(parameters.created)
        guard !overflow, age <= window, age >= -window else {
            throw .timestampOutOfWindow("created is \(age) seconds from now; the window is \(window)")
        }
        if let expires = parameters.expires, expires < now {
            throw .timestampOutOfWindow("expires has passed")
        }

        // 7. Replay protection needs a nonce.
        if requireNonce, parameters.nonce == nil {
            throw .replayProtectionRequired("the route requires a nonce")
        }

        return VerifiedSignature(
            label: chosen.label,
            keyID: chosen.keyID,
            alg: chosen.entry.algorithm,
            created: parameters.created,
            expires: parameters.expires,
            nonce: parameters.nonce,
            coveredComponents: components.identifiers.map { component in
                var bytes: [UInt8] = []
                SignatureBase.appendIdentifier(component.item, to: &bytes)
                return String(decoding: bytes, as: UTF8.self)
            },
            coversContentDigest: components.coversContentDigest,
            contentDigest: contentDigest,
            subject: chosen.entry.subject,
            scopes: chosen.entry.scopes,
            replayScope: chosen.entry.replayScope
        )
    }

    /// The covered components, validated, and whether they include those SPEC §3 requires.
    struct CoveredComponents {
        var identifiers: [ComponentIdentifier]
        var coversContentDigest: Bool
    }

    static func components(
        of list: InnerList,
        request: SignedRequest
    ) throws(SignatureVerificationError) -> CoveredComponents {
        var identifiers: [ComponentIdentifier] = []
        identifiers.reserveCapacity(list.bareInnerList.count)
        var method = false
        var authority = false
        var path = false
        var query = false
        var contentDigest = false
        for item in list.bareInnerList {
            let identifier = try ComponentIdentifier.parse(item).get()
            // RFC 9421 §2.5: each component identifier appears once.
            if identifiers.contains(where: { $0.item == item }) {
                throw .malformed("a covered component appears twice")
            }
            switch identifier.kind {
            case .method: method = true
            case .authority: authority = true
            case .path: path = true
            case .query: query = true
            // The whole field: `;key` covers one member only (`;bs` and `;sf` cover it all).
            case .field("content-digest", let form):
                if case .dictionaryMember = form {} else { contentDigest = true }
            default: break
            }
            identifiers.append(identifier)
        }
        // SPEC §3, §9 "Codes for the remaining cases".
        guard method, authority, path else {
            throw .malformed("the signature must cover @method, @authority and @path")
        }
        if DerivedComponents.target(request.target).query != nil, !query {
            throw .malformed("the request has a query: the signature must cover @query")
        }
        if request.hasBody, !contentDigest {
            throw .malformed("the request has content: the signature must cover content-digest")
        }
        return CoveredComponents(identifiers: identifiers, coversContentDigest: contentDigest)
    }

    /// Verifies `request`'s signature labelled `label` with `key`, checking only the signature
    /// base and the cryptography — not SPEC's covered-components rule, time or nonce. Only for
    /// known-answer tests (RFC 9421 Appendix B signs with few components and in 2021).
    static func verifySignatureOnly(
        request: SignedRequest,
        label: String,
        key: AnyVerificationKey
    ) throws(SignatureVerificationError) -> [UInt8] {
        guard let inputs = request.fieldValue("signature-input").flatMap(StructuredFields.dictionary),
            let signatures = request.fieldValue("signature").flatMap(StructuredFields.dictionary),
            case .innerList(let list)? = inputs[label],
            case .item(let item)? = signatures[label],
            case .undecodedByteSequence(let encoded) = item.rfc9651BareItem,
            let signature = Base64.decode(encoded)
        else { throw .malformed("no signature \(label)") }
        var identifiers: [ComponentIdentifier] = []
        for item in list.bareInnerList { identifiers.append(try ComponentIdentifier.parse(item).get()) }
        var serializer = StructuredFieldValueSerializer()
        guard let parameters = try? serializer.writeListFieldValue([.innerList(list)]) else {
            throw .malformed("unserializable")
        }
        let base = try SignatureBase.build(request, components: identifiers, signatureParameters: parameters)
        let valid = signature.withUnsafeBytes { signature in
            base.withUnsafeBytes { key.isValidSignature(signature, for: $0) }
        }
        guard valid else { throw .badSignature("signature \(label) does not verify") }
        return base
    }
}

/// The signature parameters of RFC 9421 §2.3 the gateway reads, type-checked.
struct SignatureParameters {
    var created: Int64
    var expires: Int64?
    var nonce: String?
    var alg: String?

    init(_ parameters: OrderedMap<String, RFC9651BareItem>) throws(SignatureVerificationError) {
        var created: Int64? = nil
        for (name, value) in parameters {
            switch (name, value) {
            case ("created", .integer(let value)): created = value
            case ("expires", .integer(let value)): self.expires = value
            case ("nonce", .string(let value)): self.nonce = value
            case ("alg", .string(let value)): self.alg = value
            case ("keyid", .string), ("tag", .string): break
            case ("created", _), ("expires", _):
                throw .malformed("\(name) must be an integer (RFC 9421 §2.3)")
            case ("nonce", _), ("alg", _), ("keyid", _), ("tag", _):
                throw .malformed("\(name) must be a string (RFC 9421 §2.3)")
            default:
                // Parameters RFC 9421 does not define are signed along (they are in the base)
                // and otherwise ignored.
                break
            }
        }
        guard let created else { throw .malformed("the signature has no created parameter") }
        self.created = created
    }
}
