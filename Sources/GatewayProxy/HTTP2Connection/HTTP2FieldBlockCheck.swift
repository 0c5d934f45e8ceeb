import NIOHPACK

/// Whether a header block a client sent is well formed (RFC 9113 §8.2 and §8.3): a request's
/// block opening a stream, or the trailers ending one. A malformed block is a stream error of
/// type PROTOCOL_ERROR (§8.1.1); nothing of it is forwarded.
///
/// The rules are NIOHTTP2's `HeaderBlockValidator`, which the gateway turns off
/// (`headerBlockValidation = .disabled` in `ProxyServer.http2Configuration`): NIOHTTP2 ran it on
/// `Substring`s and `String` comparisons, on every block it received and again on every block
/// the gateway wrote, about 21,000 instructions an HTTP/2 request (callgrind, a tenth of the
/// request). This check reads each name and value once, as bytes, a word at a time. It is
/// written here because no maintained package offers these rules apart from NIOHTTP2's
/// handler; `HTTP2FieldBlockDifferentialTests` holds it to NIOHTTP2's verdict (NIOHTTP2 with its
/// validation on, in an `EmbeddedChannel`) on generated and mutated blocks.
///
/// The blocks the gateway writes are well formed by construction: a response head comes from
/// the strict HTTP/1.1 response parser (token names, lowercased; no control character in a
/// value) without its connection-specific fields, and the test clients' NIOHTTP2 validates
/// every response they receive.
enum HTTP2FieldBlockCheck {
    /// Why a block is malformed.
    enum Fault: Error, Equatable, Sendable {
        /// A name empty, not a token, or with an uppercase letter (§8.2.1, §8.2).
        case invalidName
        /// A pseudo-header field after a regular field (§8.3).
        case pseudoAfterRegular
        /// A pseudo-header field that is not a request's (`:status`, an unknown one, or
        /// `:protocol`, as the gateway does not offer extended CONNECT), or any in trailers.
        case disallowedPseudo
        case duplicatePseudo
        /// A pseudo-header value with a control character, a space or DEL.
        case invalidPseudoValue
        /// `:method`, `:scheme` or `:path` missing (`:method` and `:authority` for CONNECT), or
        /// `:scheme` or `:path` on a CONNECT.
        case missingPseudo
        case emptyPath
        /// `connection`, `keep-alive`, `proxy-connection`, `transfer-encoding`, `upgrade` (§8.2.2).
        case connectionSpecific
        /// `te` with a value other than `trailers` (§8.2.2).
        case teOtherThanTrailers
        /// A value with NUL, CR or LF (§8.2.1).
        case invalidValue
    }

    /// What the handler reads of a well-formed request block, found in the same pass.
    struct RequestLine: Equatable {
        var method = ""
        var path = ""
        var authority: String?
        /// The block has a `host` field.
        var hasHost = false
        /// The first `content-length` field's value.
        var contentLength: String?
    }

    /// Checks the block that opens a request stream, and reads its pseudo-header fields.
    static func request(_ headers: HPACKHeaders) -> Result<RequestLine, Fault> {
        var state = BlockState(isRequest: true)
        for (name, value, _) in headers {
            if let fault = Self.check(name, value, &state) { return .failure(fault) }
        }
        let seen = state.seen
        if state.isConnect {
            return seen == Pseudo.method | Pseudo.authority ? .success(state.line) : .failure(.missingPseudo)
        }
        return seen & Pseudo.request == Pseudo.request ? .success(state.line) : .failure(.missingPseudo)
    }

    /// Checks the trailers that end a request stream: no pseudo-header fields at all.
    static func trailers(_ headers: HPACKHeaders) -> Fault? {
        var state = BlockState(isRequest: false)
        for (name, value, _) in headers {
            if let fault = Self.check(name, value, &state) { return fault }
        }
        return nil
    }

    // MARK: One field

    private struct BlockState {
        let isRequest: Bool
        var seen: UInt8 = 0
        var inRegularFields = false
        var isConnect = false
        var line = RequestLine()
    }

    /// The pseudo-header fields of a request, as bits.
    private enum Pseudo {
        static let path: UInt8 = 1
        static let method: UInt8 = 2
        static let scheme: UInt8 = 4
        static let authority: UInt8 = 8
        /// What a request other than CONNECT must have; `:authority` is optional.
        static let request: UInt8 = path | method | scheme
    }

    private static func check(_ name: String, _ value: String, _ state: inout BlockState) -> Fault? {
        var nameBytes = name
        var valueBytes = value
        let (fault, role) = nameBytes.withUTF8 { name in
            valueBytes.withUTF8 { value in
                Self.check(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value), &state)
            }
        }
        guard fault == nil, state.isRequest else { return fault }
        switch role {
        case .none: break
        case .method: state.line.method = value
        case .path: state.line.path = value
        case .authority: state.line.authority = value
        case .host: state.line.hasHost = true
        case .contentLength: if state.line.contentLength == nil { state.line.contentLength = value }
        }
        return nil
    }

    /// The fields `RequestLine` keeps.
    private enum Role {
        case none, method, path, authority, host, contentLength
    }

    private static func check(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ state: inout BlockState) -> (Fault?, Role) {
        guard let first = name.first else { return (.invalidName, .none) }
        guard first == UInt8(ascii: ":") else { return Self.checkRegular(name, value, &state) }
        let base = UnsafeRawBufferPointer(rebasing: name.dropFirst())
        guard Self.isLowercaseToken(base) else { return (.invalidName, .none) }
        guard !state.inRegularFields else { return (.pseudoAfterRegular, .none) }
        guard Self.isPseudoValue(value) else { return (.invalidPseudoValue, .none) }
        guard state.isRequest, let bit = Self.pseudoBit(base) else { return (.disallowedPseudo, .none) }
        guard state.seen & bit == 0 else { return (.duplicatePseudo, .none) }
        state.seen |= bit
        switch bit {
        case Pseudo.method:
            state.isConnect = ASCIIName.isExactly(value, "CONNECT")
            return (nil, .method)
        case Pseudo.path:
            return value.isEmpty ? (.emptyPath, .none) : (nil, .path)
        case Pseudo.authority:
            return (nil, .authority)
        default:
            return (nil, .none)
        }
    }

    private static func checkRegular(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ state: inout BlockState) -> (Fault?, Role) {
        state.inRegularFields = true
        guard Self.isLowercaseToken(name) else { return (.invalidName, .none) }
        guard !Self.isConnectionSpecific(name) else { return (.connectionSpecific, .none) }
        guard Self.isFieldValue(value) else { return (.invalidValue, .none) }
        switch name.count {
        case 2 where state.isRequest && ASCIIName.isExactly(name, "te"):
            return ASCIIName.isExactly(value, "trailers") ? (nil, .none) : (.teOtherThanTrailers, .none)
        case 4 where ASCIIName.isExactly(name, "host"):
            return (nil, .host)
        case 14 where ASCIIName.isExactly(name, "content-length"):
            return (nil, .contentLength)
        default:
            return (nil, .none)
        }
    }

    // MARK: Bytes

    /// A request's pseudo-header field name (without its colon) as its bit; nil for `:status`,
    /// `:protocol` and unknown names.
    private static func pseudoBit(_ base: UnsafeRawBufferPointer) -> UInt8? {
        switch base.count {
        case 4: return ASCIIName.isExactly(base, "path") ? Pseudo.path : nil
        case 6:
            if ASCIIName.isExactly(base, "method") { return Pseudo.method }
            return ASCIIName.isExactly(base, "scheme") ? Pseudo.scheme : nil
        case 9: return ASCIIName.isExactly(base, "authority") ? Pseudo.authority : nil
        default: return nil
        }
    }

    /// `connection`, `keep-alive`, `proxy-connection`, `transfer-encoding` or `upgrade`, in
    /// lowercase (RFC 9113 §8.2.2).
    static func isConnectionSpecific(_ name: UnsafeRawBufferPointer) -> Bool {
        switch name.count {
        case 7: return ASCIIName.isExactly(name, "upgrade")
        case 10: return ASCIIName.isExactly(name, "connection") || ASCIIName.isExactly(name, "keep-alive")
        case 16: return ASCIIName.isExactly(name, "proxy-connection")
        case 17: return ASCIIName.isExactly(name, "transfer-encoding")
        default: return false
        }
    }

    /// A field name as HTTP/2 sends it: one or more `tchar` (RFC 9110 §5.6.2) with no uppercase
    /// letter (RFC 9113 §8.2.1), as a 128-bit set.
    @inline(__always)
    static func isLowercaseToken(_ name: UnsafeRawBufferPointer) -> Bool {
        guard !name.isEmpty else { return false }
        for byte in name {
            let inSet =
                byte < 64
                ? (0x03FF_6CFA_0000_0000 as UInt64) >> byte & 1 == 1
                : byte < 128 && (0x57FF_FFFF_C000_0000 as UInt64) >> (byte &- 64) & 1 == 1
            guard inSet else { return false }
        }
        return true
    }

    /// A pseudo-header value: no control character, space or DEL (what a request target, a
    /// method, a scheme or an authority may hold; bytes from 0x80 pass). Eight bytes at a time.
    @inline(__always)
    static func isPseudoValue(_ value: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while value.count - index >= 8 {
            let word = value.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if Self.hasByte(below: 0x21, word) || Self.hasByte(0x7F, word) { return false }
            index += 8
        }
        while index < value.count {
            let byte = value[index]
            if byte <= 0x20 || byte == 0x7F { return false }
            index += 1
        }
        return true
    }

    /// A regular field value: no NUL, LF or CR (RFC 9113 §8.2.1). Eight bytes at a time.
    @inline(__always)
    static func isFieldValue(_ value: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while value.count - index >= 8 {
            let word = value.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if Self.hasByte(0x00, word) || Self.hasByte(0x0A, word) || Self.hasByte(0x0D, word) { return false }
            index += 8
        }
        while index < value.count {
            let byte = value[index]
            if byte == 0x00 || byte == 0x0A || byte == 0x0D { return false }
            index += 1
        }
        return true
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// Whether a byte of `word` is `byte` (the exact "has a zero byte" word test on `word`
    /// XOR the byte repeated).
    @inline(__always)
    private static func hasByte(_ byte: UInt8, _ word: UInt64) -> Bool {
        let x = word ^ (Self.ones &* UInt64(byte))
        return (x &- Self.ones) & ~x & Self.highBits != 0
    }

    /// Whether a byte of `word` is below `limit` (exact for a limit up to 0x80: the "has a
    /// byte less than n" word test; bytes 0x80–0xFF never count).
    @inline(__always)
    private static func hasByte(below limit: UInt8, _ word: UInt64) -> Bool {
        (word &- Self.ones &* UInt64(limit)) & ~word & Self.highBits != 0
    }
}
