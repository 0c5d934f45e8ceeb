import GatewayRules

/// The members of a JWS protected header the verifier acts on (RFC 7515 §4.1).
///
/// Deliberately ignored: `jku`, `x5u`, `jwk`, `x5c`, `x5t`, `x5t#S256` — nothing is fetched or
/// trusted because a token says so (RFC 8725 §3.10, SPEC §9 "Claims"); the key is chosen by
/// `kid` among configured keys alone. `typ` and `cty` are not used either.
struct JOSEHeader {
    /// What the `alg` member named.
    enum Algorithm: Equatable {
        case supported(JWTAlgorithm)
        /// `none` in any letter case: an unsecured JWS (RFC 7518 §3.6), never accepted.
        case none
        /// Anything else (`ES512`, `HS1`, …): no key can be pinned to it.
        case unsupported
    }

    var algorithm: Algorithm
    var keyID: String?

    private static let algorithmNames: [(JWTAlgorithm, [UInt8])] = JWTAlgorithm.allCases.map {
        ($0, Array($0.rawValue.utf8))
    }

    /// Parses the decoded header; throws `malformed_credential` for anything not a well-formed
    /// header.
    init(decoded: [UInt8]) throws(JWTVerificationError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: decoded)
        } catch {
            throw .malformed("JOSE header: \(error.reason)")
        }
        guard document.kind(JSONDocument.root) == .object else { throw .malformed("JOSE header is not a JSON object") }

        var algorithm: Algorithm? = nil
        var keyID: String? = nil
        for (key, value) in document.members(of: JSONDocument.root) {
            if document.stringEquals(key, "alg") {
                guard let name = document.stringBytes(value) else {
                    throw .malformed("JOSE header: alg is not a string")
                }
                algorithm = Self.algorithm(named: name)
            } else if document.stringEquals(key, "kid") {
                guard let kid = document.string(value) else { throw .malformed("JOSE header: kid is not a string") }
                keyID = kid
            } else if document.stringEquals(key, "crit") {
                // RFC 7515 §4.1.11: recipients MUST reject a JWS whose `crit` lists an extension
                // they do not understand. This verifier understands none (and an empty list is
                // itself invalid), so any `crit` is refused (SPEC §9: malformed_credential).
                throw .malformed("JOSE header: crit names an extension this gateway does not support")
            } else if document.stringEquals(key, "b64") {
                // RFC 7797 unencoded payloads are not supported; b64 only means anything with crit.
                guard document.kind(value) == .true else { throw .malformed("JOSE header: b64 is not supported") }
            }
        }
        guard let algorithm else { throw .malformed("JOSE header has no alg") }
        self.algorithm = algorithm
        self.keyID = keyID
    }

    private static func algorithm(named name: ArraySlice<UInt8>) -> Algorithm {
        for (algorithm, bytes) in Self.algorithmNames where name.elementsEqual(bytes) {
            return .supported(algorithm)
        }
        if name.count == 4, name.map({ $0 | 0x20 }).elementsEqual("none".utf8) { return .none }
        return .unsupported
    }
}
