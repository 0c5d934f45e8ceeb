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
        if let result = rawPath.utf8.withContiguousStorageIfAvailable(Self.normalize(bytes:)) {
            return result
        }
        // A bridged, non-contiguous string: copy its bytes once.
        return Array(rawPath.utf8).withUnsafeBufferPointer(Self.normalize(bytes:))
    }

    private static func normalize(bytes input: UnsafeBufferPointer<UInt8>) -> Result<String, BadPath> {
        guard input.first == ASCII.slash else {
            return .failure(.notAbsolute)
        }
        // The output takes at most three bytes per input byte (each percent-encoded) plus a final "/". It is written
        // to scratch space (on the stack when small) and copied once into a String of the exact size.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: input.count * 3 + 1) { output in
            self.normalize(input, into: output).map { count in
                String(decoding: UnsafeBufferPointer(rebasing: output[..<count]), as: UTF8.self)
            }
        }
    }

    /// Writes the normal form of `input`, which begins with "/", into `output`; returns how many bytes it wrote.
    private static func normalize(
        _ input: UnsafeBufferPointer<UInt8>,
        into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Result<Int, BadPath> {
        // Invariant between segments: `output[..<count]` is empty (the root) or `/s1/s2/…/sn` where no segment is
        // empty, `.` or `..`; the slash that ends the path, if any, is added at the end.
        var count = 0
        var index = 1
        var endsWithSlash = false
        while true {
            let segmentStart = count
            output[count] = ASCII.slash
            count += 1
            while index < input.count, input[index] != ASCII.slash {
                let byte = input[index]
                if byte == ASCII.percent {
                    guard index + 2 < input.count, let high = ASCII.hexValue(input[index + 1]),
                        let low = ASCII.hexValue(input[index + 2])
                    else {
                        return .failure(.malformedEscape)
                    }
                    let decoded = high << 4 | low
                    switch decoded {
                    case 0:
                        return .failure(.nul)
                    case ASCII.slash:
                        return .failure(.encodedSlash)
                    case ASCII.backslash:
                        return .failure(.encodedBackslash)
                    default:
                        if ASCII.isUnreserved(decoded) {
                            output[count] = decoded
                            count += 1
                        } else {
                            output[count] = ASCII.percent
                            output[count + 1] = ASCII.upperHexDigit(high)
                            output[count + 2] = ASCII.upperHexDigit(low)
                            count += 3
                        }
                    }
                    index += 3
                    continue
                }
                if ASCII.isLiteralPathCharacter(byte) {
                    output[count] = byte
                    count += 1
                } else if byte == 0 {
                    return .failure(.nul)
                } else if byte == ASCII.backslash {
                    return .failure(.backslash)
                } else if byte <= 0x20 || byte == 0x7F {
                    return .failure(.controlCharacter)
                } else {
                    output[count] = ASCII.percent
                    output[count + 1] = ASCII.upperHexDigit(byte >> 4)
                    output[count + 2] = ASCII.upperHexDigit(byte & 0x0F)
                    count += 3
                }
                index += 1
            }

            let segmentLength = count - segmentStart - 1
            if segmentLength == 0 {
                // An empty segment: merged into its neighbour (`//` → `/`), or the path's trailing slash.
                count = segmentStart
                endsWithSlash = true
            } else if segmentLength == 1, output[segmentStart + 1] == ASCII.dot {
                count = segmentStart
                endsWithSlash = true
            } else if segmentLength == 2, output[segmentStart + 1] == ASCII.dot, output[segmentStart + 2] == ASCII.dot {
                // Remove this segment and the one before it (RFC 3986 §5.2.4 step 2C), or refuse at the root.
                guard segmentStart > 0 else {
                    return .failure(.aboveRoot)
                }
                count = segmentStart - 1
                while output[count] != ASCII.slash {
                    count -= 1
                }
                endsWithSlash = true
            } else {
                endsWithSlash = false
            }

            if index >= input.count {
                break
            }
            index += 1
        }
        if endsWithSlash || count == 0 {
            output[count] = ASCII.slash
            count += 1
        }
        return .success(count)
    }

    /// Normalizes a path given as a `String`, exactly as the `Substring` variant does.
    public static func normalize(_ rawPath: String) -> Result<String, BadPath> {
        self.normalize(rawPath[...])
    }
}
