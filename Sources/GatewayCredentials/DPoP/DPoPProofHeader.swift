import GatewayRules

/// The JOSE header of a DPoP proof (RFC 9449 §4.2): `typ`, `alg` and the public key `jwk`.
///
/// Parsed by the same strict layer as a token's header (`JSONDocument`: duplicate member names,
/// invalid UTF-8, deep nesting refused) with the same rules for `crit` and `b64` (RFC 7515
/// §4.1.11, RFC 7797): a proof carries no extension this gateway would have to understand.
/// Unlike a token's header, `jwk` is read — it is the very key the proof proves possession of —
/// while `jku`, `x5u`, `x5c` and `kid` are still never used.
struct DPoPProofHeader {
    /// `typ` as written, if it is a string.
    var type: ArraySlice<UInt8>?
    /// `alg` as written.
    var algorithmName: ArraySlice<UInt8>
    /// The document the header was parsed into, and the index of its `jwk` object.
    var document: JSONDocument
    var jwk: Int?

    /// Throws `.form` for anything that is not a well-formed proof header.
    init(decoded: [UInt8]) throws(DPoPProofError) {
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: decoded)
        } catch {
            throw DPoPProofError(.form, "JOSE header: \(error.reason)")
        }
        guard document.kind(JSONDocument.root) == .object else {
            throw DPoPProofError(.form, "JOSE header is not a JSON object")
        }
        var type: ArraySlice<UInt8>?
        var algorithmName: ArraySlice<UInt8>?
        var jwk: Int?
        for (key, value) in document.members(of: JSONDocument.root) {
            if document.stringEquals(key, "typ") {
                guard let text = document.stringBytes(value) else { throw DPoPProofError(.type, "typ is not a string") }
                type = text
            } else if document.stringEquals(key, "alg") {
                guard let text = document.stringBytes(value) else { throw DPoPProofError(.algorithm, "alg is not a string") }
                algorithmName = text
            } else if document.stringEquals(key, "jwk") {
                guard document.kind(value) == .object else { throw DPoPProofError(.key, "jwk is not a JSON object") }
                jwk = value
            } else if document.stringEquals(key, "crit") {
                throw DPoPProofError(.form, "JOSE header: crit names an extension this gateway does not support")
            } else if document.stringEquals(key, "b64") {
                guard document.kind(value) == .true else { throw DPoPProofError(.form, "JOSE header: b64 is not supported") }
            }
        }
        guard let algorithmName else { throw DPoPProofError(.form, "JOSE header has no alg") }
        self.type = type
        self.algorithmName = algorithmName
        self.document = document
        self.jwk = jwk
    }

    /// RFC 9449 §4.2: `typ` is `dpop+jwt`. Media type names compare case-insensitively, and RFC
    /// 7515 §4.1.9 reads a `typ` without `/` as if `application/` preceded it, so
    /// `application/dpop+jwt` is the same type.
    var hasProofType: Bool {
        guard var type = self.type else { return false }
        let prefix = "application/".utf8
        if type.count > prefix.count, type.prefix(prefix.count).map({ $0 | 0x20 }).elementsEqual(prefix) {
            type = type.dropFirst(prefix.count)
        }
        return type.count == 8 && type.map({ $0 | 0x20 }).elementsEqual("dpop+jwt".utf8)
    }
}
