/// Why a request path was refused before routing: the gateway answers it with 400 `bad_path` (SPEC §9 "Paths").
///
/// A struct wrapping a private enum, as swift-nio models its errors, so that causes can be added later without
/// breaking callers. Compare against the static members (`result == .failure(.encodedSlash)`).
public struct BadPath: Error, Hashable, Sendable {
    private enum Cause: Hashable, Sendable {
        case notAbsolute
        case malformedEscape
        case encodedSlash
        case encodedBackslash
        case backslash
        case nul
        case controlCharacter
        case aboveRoot
    }

    private let cause: Cause

    private init(_ cause: Cause) {
        self.cause = cause
    }

    /// The path is empty or does not begin with `/` (RFC 9112 §3.2.1, origin-form).
    public static let notAbsolute = BadPath(.notAbsolute)

    /// A `%` not followed by two hexadecimal digits (RFC 3986 §2.1): `%zz`, `%4`, a trailing `%`.
    public static let malformedEscape = BadPath(.malformedEscape)

    /// `%2F`: an encoded `/` that some upstreams decode into a segment separator and others do not.
    public static let encodedSlash = BadPath(.encodedSlash)

    /// `%5C`: an encoded `\`, which some upstreams treat as a segment separator.
    public static let encodedBackslash = BadPath(.encodedBackslash)

    /// A literal `\`, which some upstreams treat as a segment separator.
    public static let backslash = BadPath(.backslash)

    /// A NUL byte, literal or `%00`, which truncates paths in C-based upstreams.
    public static let nul = BadPath(.nul)

    /// A literal space or control character (RFC 3986 §2 allows neither in a URI).
    public static let controlCharacter = BadPath(.controlCharacter)

    /// A `..` segment that would climb above `/` (RFC 3986 §5.2.4 would drop it silently; the gateway refuses).
    public static let aboveRoot = BadPath(.aboveRoot)
}

extension BadPath: CustomStringConvertible {
    /// A human-readable reason, fit for the `message` of a `bad_path` answer.
    public var description: String {
        switch self.cause {
        case .notAbsolute:
            "the path does not begin with '/'"
        case .malformedEscape:
            "the path holds a '%' not followed by two hexadecimal digits"
        case .encodedSlash:
            "the path holds an encoded '/' (%2F)"
        case .encodedBackslash:
            "the path holds an encoded '\\' (%5C)"
        case .backslash:
            "the path holds a '\\'"
        case .nul:
            "the path holds a NUL byte"
        case .controlCharacter:
            "the path holds a space or a control character"
        case .aboveRoot:
            "the path climbs above '/' with '..'"
        }
    }
}
