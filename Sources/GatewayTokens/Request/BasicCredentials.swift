import GatewayCredentials

/// A client's id and secret from an `Authorization: Basic` header (RFC 7617 §2), each
/// form-urlencoded first as RFC 6749 §2.3.1 requires.
///
/// The header's credentials are base64 (RFC 4648 §4) of `id ":" secret`. The id and the secret
/// were each encoded with `application/x-www-form-urlencoded` before being joined, so an id or a
/// secret holding `:` is sent as `%3A`: the value is split at its first `:`, then each side is
/// decoded (`+` is a space, `%XX` a byte). A client that skips the form encoding still works as
/// long as its id and secret hold no `%`, `+` or `:` — as keys from `gateway key new` never do.
public struct BasicCredentials: Sendable, Equatable {
    public var clientID: String
    public var clientSecret: String

    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    /// Whether an `Authorization` value uses the `Basic` scheme (case-insensitive, RFC 9110 §11.1).
    public static func isBasic(_ authorization: some StringProtocol) -> Bool {
        let value = authorization.utf8.drop { $0 == 0x20 || $0 == 0x09 }
        guard value.count >= 5 else { return false }
        let scheme = value.prefix(5)
        let lowered = scheme.map { $0 | 0x20 }
        guard lowered.elementsEqual("basic".utf8) else { return false }
        let rest = value.dropFirst(5)
        return rest.isEmpty || rest.first == 0x20
    }

    /// Parses an `Authorization` value of the `Basic` scheme.
    public init(authorization: some StringProtocol) throws(BasicCredentialsError) {
        guard Self.isBasic(authorization) else { throw .notBasic }
        let value = Substring(authorization).drop { $0 == " " || $0 == "\t" }.dropFirst(5)
        let token68 = value.trimmingSpaces()
        guard !token68.isEmpty, let decoded = Base64.decode(token68) else { throw .malformed }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed }
        guard let id = FormURLEncoding.decode(decoded[..<colon]),
            let secret = FormURLEncoding.decode(decoded[(colon + 1)...])
        else { throw .malformed }
        guard !id.isEmpty, !secret.isEmpty else { throw .malformed }
        self.init(clientID: id, clientSecret: secret)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (RFC 9110 §5.6.3 OWS).
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}

/// Why an `Authorization` value gave no Basic credentials.
///
/// The description never quotes the value: it holds a secret.
public struct BasicCredentialsError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Problem: Sendable, Hashable {
        case notBasic
        case malformed
    }

    private let problem: Problem

    private init(_ problem: Problem) {
        self.problem = problem
    }

    /// Another scheme (`Bearer`, …).
    public static let notBasic = BasicCredentialsError(.notBasic)
    /// Not base64, no `:`, an empty id or secret, a malformed `%` escape, or not UTF-8.
    public static let malformed = BasicCredentialsError(.malformed)

    public var description: String {
        switch self.problem {
        case .notBasic: return "the Authorization scheme is not Basic"
        case .malformed: return "the Basic credentials are malformed"
        }
    }
}
