/// Reads one string-valued private claim (RFC 7519 §4.3) of a token that `JWTVerifier` accepted.
///
/// `JWTClaims` holds the registered claims the policy judges; the token endpoint also needs the
/// `client_id` it writes into the tokens it issues (RFC 9068 §2.2) to tell, on revocation, which
/// client a token belongs to (RFC 7009 §2.1). Revocations are rare, so this parses the claims set
/// a second time rather than making every verification carry a claim only they need.
public enum JWTPrivateClaim {
    /// The string value of member `name` of the token's claims set; nil when the member is absent
    /// or not a string, or the token is not a compact JWS with a JSON object payload.
    ///
    /// Call it only with a token `JWTVerifier.verify` accepted: it checks no signature.
    public static func string(_ name: String, ofVerifiedToken token: some StringProtocol) -> String? {
        let bytes = Array(token.utf8)
        return bytes.withUnsafeBytes { token -> String? in
            guard let jws = CompactJWS.split(token),
                let payload = Base64URL.decode(UnsafeRawBufferPointer(rebasing: token[jws.payload])),
                let document = try? JSONDocument(parsing: payload),
                document.kind(JSONDocument.root) == .object
            else { return nil }
            let wanted = Array(name.utf8)
            for (key, value) in document.members(of: JSONDocument.root)
            where document.stringBytes(key)?.elementsEqual(wanted) == true {
                return document.string(value)
            }
            return nil
        }
    }
}
