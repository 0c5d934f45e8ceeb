/// Secret bytes (an HMAC key, a password) read from `secret_env`, `secret_file` or an inline
/// `secret`. Its descriptions never show the bytes, so a secret cannot reach a log by accident.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where the secret came from, for diagnostics.
    public enum Source: Sendable, Equatable {
        case environment(String)
        case file(String)
        case inline
    }

    public let bytes: [UInt8]
    public let source: Source

    public init(bytes: [UInt8], source: Source) {
        self.bytes = bytes
        self.source = source
    }

    public var description: String { "<secret redacted>" }
    public var debugDescription: String { "<secret redacted>" }
}
