/// Whether a `Content-Type` value is `application/x-www-form-urlencoded`, the only body the token
/// and revocation endpoints take (RFC 6749 §4.4.2, RFC 7009 §2.1).
///
/// The media type is compared case-insensitively (RFC 9110 §8.3.1). A `charset` parameter is
/// tolerated when it names UTF-8 or US-ASCII (clients add it by habit; the form is decoded as
/// UTF-8 whatever it says, so another charset is refused rather than misread). Other parameters
/// are ignored.
enum FormContentType {
    static func accepts(_ value: some StringProtocol) -> Bool {
        var parts = value.split(separator: ";", omittingEmptySubsequences: false).makeIterator()
        guard let mediaType = parts.next(),
            Self.trimmed(mediaType).lowercased() == "application/x-www-form-urlencoded"
        else { return false }
        while let parameter = parts.next() {
            let pair = Self.trimmed(parameter)
            guard let equals = pair.firstIndex(of: "=") else { return false }
            guard Self.trimmed(pair[..<equals]).lowercased() == "charset" else { continue }
            var charset = Self.trimmed(pair[pair.index(after: equals)...])
            if charset.count >= 2, charset.hasPrefix("\""), charset.hasSuffix("\"") {
                charset = charset.dropFirst().dropLast()
            }
            guard ["utf-8", "utf8", "us-ascii"].contains(charset.lowercased()) else { return false }
        }
        return true
    }

    private static func trimmed(_ text: some StringProtocol) -> Substring {
        var text = Substring(text)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
