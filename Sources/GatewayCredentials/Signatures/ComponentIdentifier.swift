import RawStructuredFieldValues

/// One covered component of a request signature (RFC 9421 §2): a derived component (§2.2) or an
/// HTTP field (§2.1), checked to be valid in a request and computable by this verifier.
struct ComponentIdentifier: Sendable {
    enum Kind: Sendable, Hashable {
        /// §2.2.1
        case method
        /// §2.2.2
        case targetURI
        /// §2.2.3
        case authority
        /// §2.2.4
        case scheme
        /// §2.2.5
        case requestTarget
        /// §2.2.6
        case path
        /// §2.2.7
        case query
        /// §2.2.8: `name` is the encoded parameter name.
        case queryParam(name: String)
        /// §2.1: `name` is the lowercase field name.
        case field(name: String, form: FieldForm)
    }

    /// How a field's value is put in the signature base.
    enum FieldForm: Sendable, Hashable {
        /// §2.1: the lines' values, stripped, joined with ", ".
        case plain
        /// §2.1.1 `;sf`: parsed as the field's structured type and serialized again.
        case structured(StructuredFieldType)
        /// §2.1.2 `;key="member"`: the member of a dictionary field, serialized.
        case dictionaryMember(String)
        /// §2.1.3 `;bs`: each line's value as a byte sequence, joined with ", ".
        case byteSequence
    }

    let kind: Kind
    /// The identifier as the signer wrote it (a string item and its parameters): serialized at
    /// the start of its line of the signature base.
    let item: Item

    /// The identifier of `item`, or a reason it is not one this verifier can use in a request.
    static func parse(_ item: Item) -> Result<ComponentIdentifier, SignatureVerificationError> {
        guard case .string(let name) = item.rfc9651BareItem else {
            return .failure(.malformed("a covered component identifier is not a string"))
        }
        let parameters = item.rfc9651Parameters
        if name.utf8.first == UInt8(ascii: "@") {
            return Self.derived(name, parameters).map { ComponentIdentifier(kind: $0, item: item) }
        }
        return Self.field(name, parameters).map { ComponentIdentifier(kind: $0, item: item) }
    }

    private static func derived(
        _ name: String,
        _ parameters: OrderedMap<String, RFC9651BareItem>
    ) -> Result<Kind, SignatureVerificationError> {
        let kind: Kind
        switch name {
        case "@method": kind = .method
        case "@target-uri": kind = .targetURI
        case "@authority": kind = .authority
        case "@scheme": kind = .scheme
        case "@request-target": kind = .requestTarget
        case "@path": kind = .path
        case "@query": kind = .query
        case "@query-param":
            guard parameters.count == 1, case .string(let parameterName)? = parameters["name"] else {
                return .failure(.malformed("\"@query-param\" needs exactly one parameter, name, a string"))
            }
            return .success(.queryParam(name: parameterName))
        case "@status":
            return .failure(.malformed("\"@status\" is a response component (RFC 9421 §2.2.9)"))
        case "@signature-params":
            return .failure(.malformed("\"@signature-params\" cannot be a covered component (RFC 9421 §2.3)"))
        default:
            return .failure(.malformed("unknown derived component \(name)"))
        }
        guard parameters.count == 0 else {
            // `req` (§2.4) names the request of a signed response: not applicable here.
            return .failure(.malformed("\(name) takes no parameters in a request signature"))
        }
        return .success(kind)
    }

    private static func field(
        _ name: String,
        _ parameters: OrderedMap<String, RFC9651BareItem>
    ) -> Result<Kind, SignatureVerificationError> {
        // §2.1: the component name of a field is its lowercased name; a field name is a token.
        guard !name.isEmpty, name.utf8.allSatisfy(Self.isLowercaseTokenCharacter) else {
            return .failure(.malformed("covered field name is not a lowercase token"))
        }
        var structured = false
        var key: String? = nil
        var byteSequence = false
        for (parameter, value) in parameters {
            switch (parameter, value) {
            case ("sf", .bool(true)): structured = true
            case ("key", .string(let member)): key = member
            case ("bs", .bool(true)): byteSequence = true
            case ("req", _):
                return .failure(.malformed("\"\(name)\";req applies to signed responses only (RFC 9421 §2.4)"))
            case ("tr", _):
                return .failure(.malformed("\"\(name)\";tr: trailers are not signed components here"))
            default:
                return .failure(.malformed("\"\(name)\" has an unknown or ill-typed parameter \(parameter)"))
            }
        }
        if byteSequence {
            // §2.1.3: bs cannot be combined with sf or key.
            guard !structured, key == nil else {
                return .failure(.malformed("\"\(name)\": bs cannot be combined with sf or key"))
            }
            return .success(.field(name: name, form: .byteSequence))
        }
        if let key {
            // §2.1.2: key implies the field is a dictionary and re-serializes the member.
            return .success(.field(name: name, form: .dictionaryMember(key)))
        }
        if structured {
            guard let type = StructuredFieldType.of(field: name) else {
                return .failure(.malformed("\"\(name)\";sf: the structured type of this field is not known"))
            }
            return .success(.field(name: name, form: .structured(type)))
        }
        return .success(.field(name: name, form: .plain))
    }

    /// tchar (RFC 9110 §5.6.2) without uppercase letters.
    private static func isLowercaseTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}

/// The top-level type of a structured field (RFC 8941 §3), needed to re-serialize it for `;sf`.
enum StructuredFieldType: Sendable, Hashable {
    case list
    case dictionary
    case item

    /// The fields whose structured type RFC 9421 §2.1.1 lets the verifier know: those defined as
    /// structured fields by an RFC. Others cannot be covered with `;sf`.
    static func of(field name: String) -> StructuredFieldType? {
        switch name {
        case "accept-ch", "cache-status", "client-cert-chain", "proxy-status":
            return .list
        case "accept-signature", "cdn-cache-control", "content-digest", "priority", "repr-digest", "signature",
            "signature-input", "want-content-digest", "want-repr-digest":
            return .dictionary
        case "client-cert":
            return .item
        default:
            return nil
        }
    }
}
