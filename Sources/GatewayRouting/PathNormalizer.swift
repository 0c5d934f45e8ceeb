/// Puts the path of a request target into the one form that is matched, forwarded and audited (SPEC §9 "Paths").
///
/// Written by hand on UTF-8 bytes: RFC 3986 §6.2.2 normalisation plus the gateway's refusals is small, sits on the
/// hot path, and no maintained package does exactly this without Foundation.
public enum PathNormalizer {
    /// Normalizes the path part of a request target (no query string) per SPEC §9 "Paths".
    ///
    /// In one pass over the bytes:
    /// - the path must begin with `/` (RFC 9112 §3.2.1, origin-form), else ``BadPath/notAbsolute``;
    /// - percent-encoded unreserved characters are decoded (RFC 3986 §2.3, §6.2.2.2); other escapes are kept with
    ///   their hexadecimal digits uppercased (RFC 3986 §6.2.2.1);
    /// - bytes that may not stand for themselves in a path (RFC 3986 §3.3: not `pchar`, such as `"`, `{` or the
    ///   bytes of a non-ASCII character) are percent-encoded, so that `/café` and `/caf%C3%A9` are one path;
    /// - `%2F`, `%5C`, a literal `\`, a NUL (literal or `%00`), a malformed escape, a literal space or control
    ///   character are refused;
    /// - runs of `/` are merged into one;
    /// - dot-segments, including those produced by decoding (`%2E%2E`), are resolved as RFC 3986 §5.2.4 does,
    ///   except that a `..` that would climb above `/` is refused (``BadPath/aboveRoot``) rather than dropped;
    /// - a trailing `/` is kept, and a final `.` or `..` segment leaves one (`/a/.` → `/a/`, RFC 3986 §5.2.4).
    public static func normalize(_ rawPath: Substring) -> Result<String, BadPath> {
        let bytes = rawPath.utf8
        guard bytes.first == ASCII.slash else {
            return .failure(.notAbsolute)
        }
        // Invariant between segments: `output` is empty (the root) or `/s1/s2/…/sn` where no segment is empty,
        // `.` or `..`; the slash that ends the path, if any, is added at the end.
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 1)
        var index = bytes.index(after: bytes.startIndex)
        var endsWithSlash = false
        while true {
            let segmentStart = output.count
            output.append(ASCII.slash)
            while index != bytes.endIndex, bytes[index] != ASCII.slash {
                let byte = bytes[index]
                if byte == ASCII.percent {
                    let high = bytes.index(after: index)
                    guard high != bytes.endIndex, let highValue = ASCII.hexValue(bytes[high]) else {
                        return .failure(.malformedEscape)
                    }
                    let low = bytes.index(after: high)
                    guard low != bytes.endIndex, let lowValue = ASCII.hexValue(bytes[low]) else {
                        return .failure(.malformedEscape)
                    }
                    let decoded = highValue << 4 | lowValue
                    switch decoded {
                    case 0:
                        return .failure(.nul)
                    case ASCII.slash:
                        return .failure(.encodedSlash)
                    case ASCII.backslash:
                        return .failure(.encodedBackslash)
                    default:
                        if ASCII.isUnreserved(decoded) {
                            output.append(decoded)
                        } else {
                            output.append(ASCII.percent)
                            output.append(ASCII.upperHexDigit(highValue))
                            output.append(ASCII.upperHexDigit(lowValue))
                        }
                    }
                    index = bytes.index(after: low)
                    continue
                }
                if ASCII.isLiteralPathCharacter(byte) {
                    output.append(byte)
                } else if byte == 0 {
                    return .failure(.nul)
                } else if byte == ASCII.backslash {
                    return .failure(.backslash)
                } else if byte <= 0x20 || byte == 0x7F {
                    return .failure(.controlCharacter)
                } else {
                    output.append(ASCII.percent)
                    output.append(ASCII.upperHexDigit(byte >> 4))
                    output.append(ASCII.upperHexDigit(byte & 0x0F))
                }
                index = bytes.index(after: index)
            }

            let segmentLength = output.count - segmentStart - 1
            if segmentLength == 0 {
                // An empty segment: merged into its neighbour (`//` → `/`), or the path's trailing slash.
                output.removeLast()
                endsWithSlash = true
            } else if segmentLength == 1, output[segmentStart + 1] == ASCII.dot {
                output.removeLast(2)
                endsWithSlash = true
            } else if segmentLength == 2, output[segmentStart + 1] == ASCII.dot, output[segmentStart + 2] == ASCII.dot {
                output.removeLast(3)
                guard let parentStart = output.lastIndex(of: ASCII.slash) else {
                    return .failure(.aboveRoot)
                }
                output.removeSubrange(parentStart...)
                endsWithSlash = true
            } else {
                endsWithSlash = false
            }

            if index == bytes.endIndex {
                break
            }
            index = bytes.index(after: index)
        }
        if endsWithSlash || output.isEmpty {
            output.append(ASCII.slash)
        }
        return .success(String(decoding: output, as: UTF8.self))
    }

    /// Normalizes a path given as a `String`, exactly as the `Substring` variant does.
    public static func normalize(_ rawPath: String) -> Result<String, BadPath> {
        self.normalize(rawPath[...])
    }
}
