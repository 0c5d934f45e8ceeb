/// Why a decoder refused its input, before it becomes an `HTTP1RequestError` or
/// `HTTP1ResponseError`. The detail is static text: it never holds request bytes.
struct ParseFailure: Error, Sendable {
    enum Kind: Sendable, Equatable {
        case uriTooLong
        case headTooLarge
        case malformed
        case unsupportedTransferEncoding
    }

    var kind: Kind
    var detail: StaticString

    static func malformed(_ detail: StaticString) -> ParseFailure {
        ParseFailure(kind: .malformed, detail: detail)
    }
}

/// How far a resumable parser got with the bytes it was given.
enum ParseProgress: Sendable {
    /// More bytes are needed; everything so far is valid.
    case needMore
    /// The element ends at this offset (exclusive).
    case complete(end: Int)
    case failed(ParseFailure)
}
