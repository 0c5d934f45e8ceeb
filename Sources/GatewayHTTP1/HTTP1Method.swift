/// A request method (RFC 9110 §9): any `token`, compared case-sensitively (§9.1).
///
/// The methods of RFC 9110 and RFC 5789 (`PATCH`) are recognised without allocating (their
/// `rawValue` is a string literal); any other token is kept as its own `String`.
public struct HTTP1Method: Sendable, Hashable, CustomStringConvertible {
    /// The method as sent.
    public let rawValue: String
    private let known: Known

    private enum Known: UInt8, Sendable {
        case other, get, head, post, put, delete, patch, options, connect, trace
    }

    public static let GET = HTTP1Method(.get, "GET")
    public static let HEAD = HTTP1Method(.head, "HEAD")
    public static let POST = HTTP1Method(.post, "POST")
    public static let PUT = HTTP1Method(.put, "PUT")
    public static let DELETE = HTTP1Method(.delete, "DELETE")
    public static let PATCH = HTTP1Method(.patch, "PATCH")
    public static let OPTIONS = HTTP1Method(.options, "OPTIONS")
    public static let CONNECT = HTTP1Method(.connect, "CONNECT")
    public static let TRACE = HTTP1Method(.trace, "TRACE")

    private init(_ known: Known, _ rawValue: String) {
        self.known = known
        self.rawValue = rawValue
    }

    /// The method named `rawValue` (which should be a `token`; the decoder guarantees it).
    public init(rawValue: String) {
        var copy = rawValue
        let method = copy.withUTF8 { Self.known(UnsafeRawBufferPointer($0)) }
        self = method ?? HTTP1Method(.other, rawValue)
    }

    /// The method spelled by `bytes`, a token: a known one without allocating.
    init(token bytes: UnsafeRawBufferPointer) {
        self = Self.known(bytes) ?? HTTP1Method(.other, String(decoding: bytes, as: UTF8.self))
    }

    private static func known(_ bytes: UnsafeRawBufferPointer) -> HTTP1Method? {
        let all = 0..<bytes.count
        switch bytes.count {
        case 3:
            if ASCII.equals(bytes, all, "GET") { return .GET }
            if ASCII.equals(bytes, all, "PUT") { return .PUT }
        case 4:
            if ASCII.equals(bytes, all, "POST") { return .POST }
            if ASCII.equals(bytes, all, "HEAD") { return .HEAD }
        case 5:
            if ASCII.equals(bytes, all, "PATCH") { return .PATCH }
            if ASCII.equals(bytes, all, "TRACE") { return .TRACE }
        case 6:
            if ASCII.equals(bytes, all, "DELETE") { return .DELETE }
        case 7:
            if ASCII.equals(bytes, all, "OPTIONS") { return .OPTIONS }
            if ASCII.equals(bytes, all, "CONNECT") { return .CONNECT }
        default:
            break
        }
        return nil
    }

    /// Idempotent methods (RFC 9110 §9.2.2): the safe ones, `PUT` and `DELETE`. Unknown methods
    /// are not assumed idempotent.
    public var isIdempotent: Bool {
        switch self.known {
        case .get, .head, .options, .trace, .put, .delete: return true
        case .post, .patch, .connect, .other: return false
        }
    }

    /// Safe methods (RFC 9110 §9.2.1): `GET`, `HEAD`, `OPTIONS`, `TRACE`.
    public var isSafe: Bool {
        switch self.known {
        case .get, .head, .options, .trace: return true
        case .put, .delete, .post, .patch, .connect, .other: return false
        }
    }

    public var description: String { self.rawValue }

    public static func == (lhs: HTTP1Method, rhs: HTTP1Method) -> Bool {
        if lhs.known != .other || rhs.known != .other { return lhs.known == rhs.known }
        return lhs.rawValue == rhs.rawValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.rawValue)
    }
}
