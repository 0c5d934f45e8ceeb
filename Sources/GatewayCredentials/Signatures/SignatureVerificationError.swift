/// Why an HTTP Message Signature (RFC 9421) was refused, with its SPEC §3 reason code.
///
/// Shaped like `JWTVerificationError`: a struct wrapping a private enum, equal when the reasons
/// are, whatever the `detail`.
///
/// Codes, and where SPEC leaves a choice, the reading taken:
/// - `malformed_credential` (400): a `Signature-Input` or `Signature` that is not an RFC 8941
///   dictionary; the chosen label missing from `Signature`, or not a byte sequence there; no
///   signature that names a `keyid`; `keyid` or `created` missing or of the wrong type; a
///   covered component identifier that is not valid in a request (`@status`, `;req`, `;tr`,
///   an unknown derived component or parameter, an uppercase field name, a duplicate, `;sf`
///   on a field whose structured type the gateway does not know); a covered-components list
///   that misses one SPEC §3 requires (SPEC §9 "Codes for the remaining cases"); on a
///   replay-required route a `nonce` shorter than 16 or longer than 128 characters; a covered
///   `Content-Digest` that is not an RFC 9530 dictionary with a sha-256 or sha-512 member.
/// - `unknown_key` (401): no label's `keyid` names a `[[signing_keys]]` entry.
/// - `alg_not_allowed` (401): an `alg` parameter other than the key's algorithm.
/// - `bad_signature` (401): the signature does not verify — including when a covered component
///   cannot be derived from this request (a covered field that is absent, a `@query-param`
///   absent or repeated, a `;key` member absent). RFC 9421 §2.5 says the base cannot be built
///   then and verification fails; the credential itself was well formed, the message does not
///   match what was signed, so this is the signature's failure, not a malformed credential.
/// - `timestamp_out_of_window` (401): `created` more than the replay window before or after
///   now, or `expires` passed — both are the signature's time checks (SPEC §9 step 6); SPEC's
///   `token_expired` belongs to JWTs.
/// - `replay_protection_required` (401): no `nonce` on a replay-required route (SPEC §4).
/// - `digest_mismatch` (401): the content does not match `Content-Digest`; raised by the proxy
///   when `ContentDigestVerifier.finish()` is false, defined here so the codes live together.
public struct SignatureVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Reason: Sendable, Hashable {
        case malformedCredential
        case unknownKey
        case algNotAllowed
        case badSignature
        case timestampOutOfWindow
        case replayProtectionRequired
        case digestMismatch
    }

    private let reason: Reason
    /// What exactly was wrong, for operational logs. Never holds signature bytes or key material.
    public let detail: String

    private init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// 400 `malformed_credential`.
    public static let malformedCredential = Self(.malformedCredential, "")
    /// 401 `unknown_key`.
    public static let unknownKey = Self(.unknownKey, "")
    /// 401 `alg_not_allowed`.
    public static let algNotAllowed = Self(.algNotAllowed, "")
    /// 401 `bad_signature`.
    public static let badSignature = Self(.badSignature, "")
    /// 401 `timestamp_out_of_window`.
    public static let timestampOutOfWindow = Self(.timestampOutOfWindow, "")
    /// 401 `replay_protection_required`.
    public static let replayProtectionRequired = Self(.replayProtectionRequired, "")
    /// 401 `digest_mismatch`.
    public static let digestMismatch = Self(.digestMismatch, "")

    static func malformed(_ detail: String) -> Self { Self(.malformedCredential, detail) }
    static func unknownKey(_ detail: String) -> Self { Self(.unknownKey, detail) }
    static func algNotAllowed(_ detail: String) -> Self { Self(.algNotAllowed, detail) }
    static func badSignature(_ detail: String) -> Self { Self(.badSignature, detail) }
    static func timestampOutOfWindow(_ detail: String) -> Self { Self(.timestampOutOfWindow, detail) }
    static func replayProtectionRequired(_ detail: String) -> Self { Self(.replayProtectionRequired, detail) }
    /// `digest_mismatch` with a detail, for the proxy.
    public static func digestMismatch(_ detail: String) -> Self { Self(.digestMismatch, detail) }

    /// The SPEC §3 reason code.
    public var reasonCode: String {
        switch self.reason {
        case .malformedCredential: return "malformed_credential"
        case .unknownKey: return "unknown_key"
        case .algNotAllowed: return "alg_not_allowed"
        case .badSignature: return "bad_signature"
        case .timestampOutOfWindow: return "timestamp_out_of_window"
        case .replayProtectionRequired: return "replay_protection_required"
        case .digestMismatch: return "digest_mismatch"
        }
    }

    /// The HTTP status SPEC §3 gives the reason: 400 for a malformed credential, else 401.
    public var httpStatus: Int {
        self.reason == .malformedCredential ? 400 : 401
    }

    public var description: String {
        self.detail.isEmpty ? self.reasonCode : "\(self.reasonCode): \(self.detail)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.reason == rhs.reason }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.reason) }
}
