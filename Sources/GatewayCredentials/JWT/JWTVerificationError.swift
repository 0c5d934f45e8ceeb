/// Why a bearer token was refused at SPEC §9 checks 2–4, with its SPEC reason code.
///
/// A struct wrapping a private enum (as swift-nio's errors are), so cases can be added without
/// breaking callers. Two errors are equal when their reason is, whatever their `detail`, so
/// `error == .badSignature` reads as intended.
public struct JWTVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Reason: Sendable, Hashable {
        case malformedCredential
        case unknownKey
        case algNotAllowed
        case badSignature
    }

    private let reason: Reason
    /// What exactly was wrong, for operational logs. Never holds token bytes, claims or keys.
    public let detail: String
    /// For `unknown_key`: the token's `kid`, when it had one no key has — a JWK Set may have
    /// rotated, so the gateway may refresh its `url` sets (rate-limited).
    public let unknownKeyID: String?

    private init(_ reason: Reason, _ detail: String, unknownKeyID: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.unknownKeyID = unknownKeyID
    }

    /// 400 `malformed_credential`: not three base64url parts of JSON objects, duplicate member
    /// names, an unknown `crit` entry, a token over the size limit, a registered claim of the
    /// wrong type (SPEC §9 "Claims", "Codes for the remaining cases").
    public static let malformedCredential = JWTVerificationError(.malformedCredential, "")
    /// 401 `unknown_key`: no `kid`, or a `kid` no configured key has (SPEC §3).
    public static let unknownKey = JWTVerificationError(.unknownKey, "")
    /// 401 `alg_not_allowed`: `alg` differs from the key's pinned algorithm, or is `none`.
    public static let algNotAllowed = JWTVerificationError(.algNotAllowed, "")
    /// 401 `bad_signature`.
    public static let badSignature = JWTVerificationError(.badSignature, "")

    static func malformed(_ detail: String) -> Self { Self(.malformedCredential, detail) }
    static func unknownKey(_ detail: String, keyID: String? = nil) -> Self { Self(.unknownKey, detail, unknownKeyID: keyID) }
    static func algNotAllowed(_ detail: String) -> Self { Self(.algNotAllowed, detail) }
    static func badSignature(_ detail: String) -> Self { Self(.badSignature, detail) }

    /// The SPEC §3 reason code: `malformed_credential`, `unknown_key`, `alg_not_allowed` or
    /// `bad_signature`.
    public var reasonCode: String {
        switch self.reason {
        case .malformedCredential: return "malformed_credential"
        case .unknownKey: return "unknown_key"
        case .algNotAllowed: return "alg_not_allowed"
        case .badSignature: return "bad_signature"
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
