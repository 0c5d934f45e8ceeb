import GatewayPolicy
import NIOHPACK

/// An HTTP/2 request header block as the policy and the forwarding rules read it. HTTP/2
/// field names are lowercase on the wire (RFC 9113 §8.2.1, checked by `HTTP2FieldBlockCheck`), so names
/// compare byte for byte. `host` is answered from `:authority` when the block has no `host`
/// field, as an RFC 9421 `@authority` needs.
struct HPACKRequestFields: RequestFields, FieldBlock {
    let headers: HPACKHeaders
    /// `:authority`, when the block has no `host` field (read once, by `HTTP2FieldBlockCheck`).
    let authority: String?

    func contains(_ lowercaseName: StaticString) -> Bool {
        var found = false
        self.forEachValue(of: lowercaseName) { _ in
            found = true
            return false
        }
        return found
    }

    func forEachValue(of lowercaseName: StaticString, _ body: (UnsafeRawBufferPointer) -> Bool) {
        let wanted = UnsafeRawBufferPointer(start: lowercaseName.utf8Start, count: lowercaseName.utf8CodeUnitCount)
        var matched = false
        for (name, value, _) in self.headers {
            var name = name
            let equal = name.withUTF8 { ASCIIName.isExactly(UnsafeRawBufferPointer($0), lowercaseName) }
            guard equal else { continue }
            matched = true
            var value = value
            if !value.withUTF8({ body(UnsafeRawBufferPointer($0)) }) { return }
        }
        if !matched, ASCIIName.isExactly(wanted, "host"), let authority = self.authority {
            var authority = authority
            _ = authority.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }

    func firstString(_ lowercaseName: StaticString) -> String? {
        var first: String?
        self.forEachValue(of: lowercaseName) { value in
            first = String(decoding: value, as: UTF8.self)
            return false
        }
        return first
    }

    var allFields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var hasHost = false
        for (name, value, _) in self.headers where !name.hasPrefix(":") {
            if name == "host" { hasHost = true }
            fields.append((name: name, value: value))
        }
        if !hasHost, let authority = self.authority { fields.append((name: "host", value: authority)) }
        return fields
    }

    /// Fields for the upstream request: pseudo-fields are skipped by the forwarding rules, and
    /// `cookie` crumbs are joined with "; " into one field (RFC 9113 §8.2.3).
    func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        var cookies: [String] = []
        for (name, value, _) in self.headers {
            if name == "cookie" {
                cookies.append(value)
                continue
            }
            var name = name
            var value = value
            name.withUTF8 { nameBytes in
                value.withUTF8 { body(UnsafeRawBufferPointer(nameBytes), UnsafeRawBufferPointer($0)) }
            }
        }
        if !cookies.isEmpty {
            var joined = cookies.joined(separator: "; ")
            var name = "cookie"
            name.withUTF8 { nameBytes in
                joined.withUTF8 { body(UnsafeRawBufferPointer(nameBytes), UnsafeRawBufferPointer($0)) }
            }
        }
    }
}
