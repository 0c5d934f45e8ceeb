/// The form in which a DPoP proof's `htu` and the request's target URI are compared.
///
/// RFC 9449 §4.3 step 9: `htu` must match "the HTTP URI value for the HTTP request in which the
/// JWT was received, ignoring any query and fragment parts", and its note: "servers SHOULD
/// employ Syntax-Based Normalization (Section 6.2.2 of RFC 3986) and Scheme-Based
/// Normalization (Section 6.2.3 of RFC 3986) before comparing the htu claim". So both sides go
/// through the same normalisation: scheme and host lowercased, the scheme's default port (and an
/// empty port) dropped, percent-encodings of unreserved characters decoded and the others
/// written with uppercase hex, dot-segments removed, an empty path written `/`, and query and
/// fragment cut off.
enum DPoPTargetURI {
    /// `uri` normalised; nil when it is not an absolute `http` or `https` URI with an authority
    /// and no user information, or holds a malformed percent-encoding.
    static func normalized(_ uri: Substring) -> String? {
        guard let separator = uri.firstRange(of: "://") else { return nil }
        let scheme = ASCII.lowercased(uri[..<separator.lowerBound])
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = uri[separator.upperBound...]
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains(where: { $0 == " " || $0 == "\t" })
        else { return nil }
        guard let path = Self.normalizedPath(Array(rest[slash...].utf8)) else { return nil }
        return scheme + "://" + DerivedComponents.authority(String(authority), scheme: scheme)
            + String(decoding: path, as: UTF8.self)
    }

    /// The target URI of a request whose parts are already in normal form — the common case: a
    /// lowercase scheme and authority without a default port, a path without `%` or dot-segments —
    /// built in one allocation; nil when `normalized` has work to do.
    static func alreadyNormalized(scheme: String, authority: String, path: Substring) -> String? {
        guard scheme == "https" || scheme == "http", !authority.isEmpty else { return nil }
        for byte in authority.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
                continue
            default:
                return nil
            }
        }
        if authority.utf8.last == UInt8(ascii: ":") { return nil }
        if scheme == "https" ? authority.hasSuffix(":443") : authority.hasSuffix(":80") { return nil }
        var previous: UInt8 = 0
        for byte in path.utf8 {
            if byte == UInt8(ascii: "%") || (byte == UInt8(ascii: ".") && previous == UInt8(ascii: "/")) { return nil }
            previous = byte
        }
        guard path.utf8.first == UInt8(ascii: "/") else { return nil }
        return scheme + "://" + authority + path
    }

    /// RFC 3986 §6.2.2.1–6.2.2.3 on a path: percent-encoding normalised, dot-segments removed.
    static func normalizedPath(_ path: [UInt8]) -> [UInt8]? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(path.count)
        var index = 0
        while index < path.count {
            let byte = path[index]
            guard byte == UInt8(ascii: "%") else {
                decoded.append(byte)
                index += 1
                continue
            }
            guard index + 2 < path.count, let high = Self.hexValue(path[index + 1]),
                let low = Self.hexValue(path[index + 2])
            else { return nil }
            let value = high << 4 | low
            if Self.isUnreserved(value) {
                decoded.append(value)
            } else {
                decoded.append(UInt8(ascii: "%"))
                decoded.append(Self.upperHex[Int(high)])
                decoded.append(Self.upperHex[Int(low)])
            }
            index += 3
        }
        let result = Self.removingDotSegments(decoded)
        return result.isEmpty ? [UInt8(ascii: "/")] : result
    }

    /// RFC 3986 §5.2.4, for a path that is empty or starts with `/`.
    static func removingDotSegments(_ path: [UInt8]) -> [UInt8] {
        var input = path[...]
        var output: [UInt8] = []
        output.reserveCapacity(path.count)
        func starts(_ text: StaticString) -> Bool {
            input.count >= text.utf8CodeUnitCount
                && input.prefix(text.utf8CodeUnitCount).elementsEqual(
                    UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
                )
        }
        func equals(_ text: StaticString) -> Bool { input.count == text.utf8CodeUnitCount && starts(text) }
        func dropLastSegment() {
            if let slash = output.lastIndex(of: UInt8(ascii: "/")) {
                output.removeSubrange(slash...)
            } else {
                output.removeAll()
            }
        }
        while !input.isEmpty {
            if starts("../") {
                input = input.dropFirst(3)
            } else if starts("./") {
                input = input.dropFirst(2)
            } else if starts("/./") {
                input = input.dropFirst(2)
            } else if equals("/.") {
                input = [UInt8(ascii: "/")][...]
            } else if starts("/../") {
                input = input.dropFirst(3)
                dropLastSegment()
            } else if equals("/..") {
                input = [UInt8(ascii: "/")][...]
                dropLastSegment()
            } else if equals(".") || equals("..") {
                input = []
            } else {
                // Move the first segment, with its leading "/", to the output.
                let start = input.startIndex
                let searchFrom = input[start] == UInt8(ascii: "/") ? input.index(after: start) : start
                let end = input[searchFrom...].firstIndex(of: UInt8(ascii: "/")) ?? input.endIndex
                output.append(contentsOf: input[start..<end])
                input = input[end...]
            }
        }
        return output
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
