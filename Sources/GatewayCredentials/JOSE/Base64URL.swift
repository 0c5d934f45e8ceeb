/// base64url without padding (RFC 4648 §5), as JWS Compact Serialization uses it (RFC 7515 §2).
///
/// Written by hand because the request path must not go through `String` or `Data`:
/// Foundation's `Data(base64Encoded:)` takes a `String`, wants `+`/`/` and `=` padding (so a
/// token part would first be copied and rewritten), and allocates a `Data`. This decodes straight
/// from the token's bytes into a byte array sized once.
///
/// Decoding is strict: only `A–Z a–z 0–9 - _`, no padding, no whitespace, and the unused low bits
/// of the last character must be zero (RFC 4648 §3.5), so every byte string has exactly one
/// accepted encoding and a token cannot be re-encoded into a different string that still verifies.
public enum Base64URL {
    /// 0–63 for the alphabet, 0xFF for anything else.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8
    )

    /// The number of bytes `count` base64url characters decode to, or nil when no unpadded
    /// encoding has that length (a remainder of 1 character).
    @inline(__always)
    static func decodedCount(_ count: Int) -> Int? {
        switch count & 3 {
        case 0: return count / 4 * 3
        case 2: return count / 4 * 3 + 1
        case 3: return count / 4 * 3 + 2
        default: return nil
        }
    }

    /// Whether `byte` is one of the 64 characters of the base64url alphabet.
    @inline(__always)
    static func isAlphabet(_ byte: UInt8) -> Bool {
        Self.decodeTable.withUnsafeBufferPointer { $0[Int(byte)] != 0xFF }
    }

    /// Decodes `input` (unpadded base64url), or returns nil when it is not canonical base64url.
    static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let outputCount = Self.decodedCount(input.count) else { return nil }
        if outputCount == 0 { return [] }
        var ok = true
        let output = [UInt8](unsafeUninitializedCapacity: outputCount) { buffer, initialized in
            ok = Self.decode(input, into: buffer)
            initialized = ok ? outputCount : 0
        }
        return ok ? output : nil
    }

    /// Decodes `input` into `output`, which holds exactly `decodedCount(input.count)` bytes.
    private static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Bool
    {
        Self.decodeTable.withUnsafeBufferPointer { table in
            var inIndex = 0
            var outIndex = 0
            let whole = input.count & ~3
            // Four characters carry three bytes; an invalid character sets a bit above 24.
            while inIndex < whole {
                let a = UInt32(table[Int(input[inIndex])])
                let b = UInt32(table[Int(input[inIndex + 1])])
                let c = UInt32(table[Int(input[inIndex + 2])])
                let d = UInt32(table[Int(input[inIndex + 3])])
                if (a | b | c | d) & 0xC0 != 0 { return false }
                let word = a << 18 | b << 12 | c << 6 | d
                output[outIndex] = UInt8(truncatingIfNeeded: word >> 16)
                output[outIndex + 1] = UInt8(truncatingIfNeeded: word >> 8)
                output[outIndex + 2] = UInt8(truncatingIfNeeded: word)
                inIndex += 4
                outIndex += 3
            }
            switch input.count - whole {
            case 2:
                let a = UInt32(table[Int(input[inIndex])])
                let b = UInt32(table[Int(input[inIndex + 1])])
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return false }
                output[outIndex] = UInt8(truncatingIfNeeded: a << 2 | b >> 4)
            case 3:
                let a = UInt32(table[Int(input[inIndex])])
                let b = UInt32(table[Int(input[inIndex + 1])])
                let c = UInt32(table[Int(input[inIndex + 2])])
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return false }
                let word = a << 10 | b << 4 | c >> 2
                output[outIndex] = UInt8(truncatingIfNeeded: word >> 8)
                output[outIndex + 1] = UInt8(truncatingIfNeeded: word)
            default:
                break
            }
            return true
        }
    }

    /// Decodes a base64url string given at load time (JWK members), or nil when invalid.
    static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { Self.decode(UnsafeRawBufferPointer($0)) }
    }

    /// Appends the unpadded base64url encoding of `bytes` to `output`.
    static func encode(_ bytes: some Collection<UInt8>, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = second == nil ? nil : iterator.next()
            let word = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(Self.alphabet[Int(word >> 18 & 63)])
            output.append(Self.alphabet[Int(word >> 12 & 63)])
            if second != nil { output.append(Self.alphabet[Int(word >> 6 & 63)]) }
            if third != nil { output.append(Self.alphabet[Int(word & 63)]) }
        }
    }

    /// The unpadded base64url encoding of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        Self.encode(bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }
}
