import GatewayRules
import GatewayPolicy
import NIOCore
import GatewayHTTP1

/// A block of header fields visited as bytes: an HTTP/1.1 head parsed in place, or an HTTP/2
/// header block. The forwarding rules are written once, against this.
protocol FieldBlock {
    /// Calls `body` with each field's name and value, in order.
    func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void)

    /// Writes the fields `keep` accepts to `writer`, in order; `keep` sees every field once, in
    /// order.
    func write(into writer: inout HTTP1HeadWriter, keeping keep: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool)

    /// Calls `body` with the value of each `Connection` field, in order.
    func forEachConnectionValue(_ body: (_ value: UnsafeRawBufferPointer) -> Void)
}

extension FieldBlock {
    func forEachConnectionValue(_ body: (_ value: UnsafeRawBufferPointer) -> Void) {
        self.forEachField { name, value in
            if name.count == 10, ASCIIName.equals(name, "connection") { body(value) }
        }
    }

    /// Field by field, CR, LF and NUL written as spaces.
    func write(into writer: inout HTTP1HeadWriter, keeping keep: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) {
        self.forEachField { name, value in
            if keep(name, value) { writer.add(name: name, value: value) }
        }
    }
}

extension HTTP1Fields: FieldBlock {
    func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        self.buffer.withUnsafeReadableBytes { bytes in
            for field in self {
                body(UnsafeRawBufferPointer(rebasing: bytes[field.name]), UnsafeRawBufferPointer(rebasing: bytes[field.value]))
            }
        }
    }

    /// Without a call per field: every request and response head is read for it. (A loop of
    /// its own: through `HTTP1Fields.forEachValue(of:_:)` it cost 400 instructions more a
    /// request, that function not being inlined here.)
    func forEachConnectionValue(_ body: (_ value: UnsafeRawBufferPointer) -> Void) {
        self.buffer.withUnsafeReadableBytes { bytes in
            for field in self where field.name.count == 10 && ASCIIName.equals(UnsafeRawBufferPointer(rebasing: bytes[field.name]), "connection") {
                body(UnsafeRawBufferPointer(rebasing: bytes[field.value]))
            }
        }
    }

    /// Runs of kept fields are copied as the lines they were received as, one write a run
    /// (`HTTP1HeadWriter.copyLines`): the decoder refused CR, LF and NUL in them.
    func write(into writer: inout HTTP1HeadWriter, keeping keep: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) {
        self.buffer.withUnsafeReadableBytes { bytes in
            var run: Int?
            for position in self.indices {
                let field = self[position]
                if keep(UnsafeRawBufferPointer(rebasing: bytes[field.name]), UnsafeRawBufferPointer(rebasing: bytes[field.value])) {
                    if run == nil { run = position }
                } else if let start = run {
                    writer.copyLines(start..<position, of: self)
                    run = nil
                }
            }
            if let start = run { writer.copyLines(start..<self.endIndex, of: self) }
        }
    }
}

/// What a field is to the gateway, by its name (compared ASCII-case-insensitively in place:
/// this runs for every field of every request and response).
enum FieldRole: Equatable {
    case ordinary
    /// Describes one connection, not the message (RFC 9110 §7.6.1): never forwarded.
    case hopByHop
    /// `Connection` itself (hop-by-hop, and it names more hop-by-hop fields).
    case connection
    /// A credential of ours (SPEC §3): removed upstream unless `forward_credentials`.
    case credential
    /// Set by the gateway (`X-Auth-*`, `X-Forwarded-*`, `X-Request-Id`) or answered by it
    /// (`Expect`): a client's is never forwarded.
    case gatewayOwned
    /// An HTTP/2 pseudo-header (`:method`, …).
    case pseudo

    init(name: UnsafeRawBufferPointer) {
        self = Self.role(of: name)
    }

    private static func role(of name: UnsafeRawBufferPointer) -> FieldRole {
        guard let first = name.first else { return .ordinary }
        if first == UInt8(ascii: ":") { return .pseudo }
        if name.count > 7, ASCIIName.hasPrefix(name, "x-auth-") { return .gatewayOwned }
        switch name.count {
        case 2: return ASCIIName.equals(name, "te") ? .hopByHop : .ordinary
        case 4: return ASCIIName.equals(name, "dpop") ? .credential : .ordinary
        case 6: return ASCIIName.equals(name, "expect") ? .gatewayOwned : .ordinary
        case 7: return ASCIIName.equals(name, "trailer") || ASCIIName.equals(name, "upgrade") ? .hopByHop : .ordinary
        case 9:
            return ASCIIName.equals(name, "x-api-key") || ASCIIName.equals(name, "signature") ? .credential : .ordinary
        case 10:
            if ASCIIName.equals(name, "connection") { return .connection }
            return ASCIIName.equals(name, "keep-alive") ? .hopByHop : .ordinary
        case 12: return ASCIIName.equals(name, "x-request-id") ? .gatewayOwned : .ordinary
        case 13: return ASCIIName.equals(name, "authorization") ? .credential : .ordinary
        case 15:
            if ASCIIName.equals(name, "x-forwarded-for") { return .gatewayOwned }
            return ASCIIName.equals(name, "signature-input") ? .credential : .ordinary
        case 16:
            if ASCIIName.equals(name, "x-forwarded-host") { return .gatewayOwned }
            return ASCIIName.equals(name, "proxy-connection") ? .hopByHop : .ordinary
        case 17:
            if ASCIIName.equals(name, "x-forwarded-proto") { return .gatewayOwned }
            return ASCIIName.equals(name, "transfer-encoding") ? .hopByHop : .ordinary
        case 18: return ASCIIName.equals(name, "proxy-authenticate") ? .hopByHop : .ordinary
        case 19: return ASCIIName.equals(name, "proxy-authorization") ? .hopByHop : .ordinary
        default: return .ordinary
        }
    }
}

/// ASCII-case-insensitive name comparisons over bytes, without allocation.
enum ASCIIName {
    /// Whether `bytes` equals `lowercase` (lowercase ASCII), ignoring ASCII case.
    static func equals(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != expected[index] { return false }
        }
        return true
    }

    /// Whether `bytes` equals `other` byte for byte (for names already known to be lowercase,
    /// as HTTP/2 sends them). Lengths first, then the bytes as a loop of ours: the generic
    /// `elementsEqual` over two buffers cost about 170 instructions a call on the HTTP/2 path,
    /// which asks it for every pseudo-header and credential field name.
    @inline(__always)
    static func isExactly(_ bytes: UnsafeRawBufferPointer, _ other: StaticString) -> Bool {
        let count = other.utf8CodeUnitCount
        guard bytes.count == count else { return false }
        let expected = other.utf8Start
        for index in 0..<count where bytes[index] != expected[index] { return false }
        return true
    }

    /// Whether `bytes` starts with `lowercasePrefix`, ignoring ASCII case.
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ lowercasePrefix: StaticString) -> Bool {
        let count = lowercasePrefix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return Self.equals(UnsafeRawBufferPointer(rebasing: bytes[0..<count]), lowercasePrefix)
    }

    /// `bytes` as a string with ASCII letters lowercased.
    static func lowercased(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for index in 0..<bytes.count {
                let byte = bytes[index]
                buffer[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            return bytes.count
        }
    }

    /// Whether `bytes` equals `lowercase` (a lowercase string), ignoring ASCII case.
    static func equals(_ bytes: UnsafeRawBufferPointer, lowercaseString lowercase: String) -> Bool {
        var lowercase = lowercase
        return lowercase.withUTF8 { expected in
            guard bytes.count == expected.count else { return false }
            for index in 0..<bytes.count {
                let byte = bytes[index]
                let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
                if folded != expected[index] { return false }
            }
            return true
        }
    }
}

extension ASCIIName {
    /// Whether `bytes` equals `name` (any case), ignoring ASCII case on both sides.
    static func equals(_ bytes: UnsafeRawBufferPointer, anyCase name: String) -> Bool {
        var name = name
        return name.withUTF8 { expected in
            guard bytes.count == expected.count else { return false }
            for index in 0..<bytes.count where Self.folded(bytes[index]) != Self.folded(expected[index]) {
                return false
            }
            return true
        }
    }

    /// Whether `bytes` is one of the route's `claims_to_headers` names: an incoming field the
    /// gateway replaces with the token's claim (SPEC §10), whatever the credential.
    static func isClaimHeader(_ bytes: UnsafeRawBufferPointer, of entries: [ClaimHeader]) -> Bool {
        for entry in entries where Self.equals(bytes, anyCase: entry.name) { return true }
        return false
    }

    private static func folded(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}

/// The field names a message's `Connection` fields list (beyond `close` and `keep-alive`),
/// lowercased: hop-by-hop for that message (RFC 9110 §7.6.1). Almost always empty.
///
/// Read as bytes: nearly every upstream response says `Connection: keep-alive`, and this runs
/// for each, so a `String` is made only for a token that names a field.
struct ConnectionTokens {
    private(set) var names: [String] = []

    init<Block: FieldBlock>(_ block: Block) {
        var names: [String] = []
        block.forEachConnectionValue { value in
            HTTP1FieldList.forEachElement(value, 0..<value.count) { element in
                let token = UnsafeRawBufferPointer(rebasing: value[element])
                if !ASCIIName.equals(token, "close"), !ASCIIName.equals(token, "keep-alive") {
                    names.append(ASCIIName.lowercased(token))
                }
                return true
            }
        }
        self.names = names
    }

    func contains(_ name: UnsafeRawBufferPointer) -> Bool {
        guard !self.names.isEmpty else { return false }
        return self.names.contains { ASCIIName.equals(name, lowercaseString: $0) }
    }
}
