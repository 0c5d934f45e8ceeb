public import GatewayRules
import RawStructuredFieldValues

/// Signs requests with HTTP Message Signatures (RFC 9421), for `gateway sign` and tests: the
/// headers a client adds so that `HTTPSignatureVerifier` accepts the request.
///
/// The signature covers `@method`, `@authority`, `@path`, `@query` when the target has a `?`,
/// and `content-digest` when there is content (SPEC §3), with the parameters `created`,
/// `keyid`, a fresh `nonce` (32 base64url characters: 192 bits from the system CSPRNG) and
/// `alg`.
public struct RequestSigner: Sendable {
    public let algorithm: SignatureAlgorithm
    public let keyID: String
    private let key: AnySigningKey

    /// A signer for hmac-sha256 from a secret of at least 32 bytes.
    public init(keyID: String, secret: [UInt8], keyPath: String = "--secret-file") throws(KeyLoadError) {
        do throws(KeyProblem) {
            self.init(keyID: keyID, key: .hmac(try SignatureKeys.hmacKey(secret)), algorithm: .hmacSHA256)
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: keyPath, message: error.message)])
        }
    }

    /// A signer from a private key PEM (PKCS#8 `PRIVATE KEY`, SEC 1 `EC PRIVATE KEY`, PKCS#1
    /// `RSA PRIVATE KEY`). Without `algorithm`, the key decides: Ed25519 → ed25519, P-256 →
    /// ecdsa-p256-sha256, RSA (2048 bits or more) → rsa-pss-sha512.
    public init(
        keyID: String,
        privateKeyPEM: String,
        algorithm: SignatureAlgorithm? = nil,
        keyPath: String = "--private-key"
    ) throws(KeyLoadError) {
        do throws(KeyProblem) {
            let (key, algorithm) = try SignatureKeys.signingKey(pem: privateKeyPEM, algorithm: algorithm)
            self.init(keyID: keyID, key: key, algorithm: algorithm)
        } catch {
            throw KeyLoadError(problems: [.init(keyPath: keyPath, message: error.message)])
        }
    }

    init(keyID: String, key: AnySigningKey, algorithm: SignatureAlgorithm) {
        self.keyID = keyID
        self.key = key
        self.algorithm = algorithm
    }

    /// The three header values for `request` (its `hasBody` is ignored: `content` decides).
    ///
    /// - Parameters:
    ///   - content: the request content, if any: its `Content-Digest` (sha-256) is computed and
    ///     covered.
    ///   - created: the signature's creation time, Unix seconds (the caller's clock).
    ///   - label: the `Signature-Input` / `Signature` dictionary key.
    public func sign(
        _ request: SignedRequest,
        content: [UInt8]? = nil,
        created: Int64,
        label: String = "sig1"
    ) throws(RequestSigningError) -> SignatureHeaders {
        var components = ["@method", "@authority", "@path"]
        if DerivedComponents.target(request.target).query != nil { components.append("@query") }
        var request = request
        var contentDigest: String? = nil
        if let content {
            let digest = ContentDigest.fieldValue(for: content)
            contentDigest = digest
            request.fields.removeAll { ASCII.equalsLowercased($0.name, "content-digest") }
            request.fields.append((name: "Content-Digest", value: digest))
            components.append("content-digest")
        }
        var parameters: [(String, SignatureParameterValue)] = [
            ("created", .integer(created)),
            ("keyid", .string(self.keyID)),
            ("nonce", .string(Self.nonce())),
        ]
        parameters.append(("alg", .string(self.algorithm.rawValue)))
        let headers = try self.sign(request, label: label, components: components, parameters: parameters)
        return SignatureHeaders(
            signatureInput: headers.signatureInput,
            signature: headers.signature,
            contentDigest: contentDigest
        )
    }

    /// Signs with exactly the given components and parameters (tests reproduce RFC 9421
    /// Appendix B with it).
    func sign(
        _ request: SignedRequest,
        label: String,
        components: [String],
        parameters: [(String, SignatureParameterValue)]
    ) throws(RequestSigningError) -> (signatureInput: String, signature: String, base: [UInt8]) {
        var list = BareInnerList()
        var identifiers: [ComponentIdentifier] = []
        for name in components {
            // A bare name, or an identifier in RFC 8941 syntax (`"@query-param";name="id"`).
            let item: Item
            if name.hasPrefix("\"") {
                var text = name
                guard
                    let parsed = text.withUTF8({ bytes -> Item? in
                        var parser = StructuredFieldValueParser(bytes)
                        return try? parser.parseItemFieldValue()
                    })
                else {
                    throw RequestSigningError("\(name) is not a component identifier")
                }
                item = parsed
            } else {
                item = Item(bareItem: RFC9651BareItem.string(name), parameters: OrderedMap<String, RFC9651BareItem>())
            }
            list.append(item)
            guard case .success(let identifier) = ComponentIdentifier.parse(item) else {
                throw RequestSigningError("\(name) is not a component this signer can cover")
            }
            identifiers.append(identifier)
        }
        var map = OrderedMap<String, RFC9651BareItem>()
        for (name, value) in parameters {
            switch value {
            case .integer(let integer): map[name] = .integer(integer)
            case .string(let string): map[name] = .string(string)
            }
        }
        let innerList = InnerList(bareInnerList: list, parameters: map)
        var serializer = StructuredFieldValueSerializer()
        guard let serialized = try? serializer.writeListFieldValue([.innerList(innerList)]) else {
            throw RequestSigningError("the signature parameters cannot be serialized")
        }
        let base: [UInt8]
        do throws(SignatureVerificationError) {
            base = try SignatureBase.build(request, components: identifiers, signatureParameters: serialized)
        } catch {
            throw RequestSigningError(error.detail)
        }
        let signature: [UInt8]
        do {
            signature = try base.withUnsafeBytes { try self.key.signature(for: $0) }
        } catch {
            throw RequestSigningError("the signature could not be produced")
        }
        guard label.structuredHeadersIsValidKey else {
            throw RequestSigningError("\(label) is not a valid dictionary key (RFC 8941 §3.2)")
        }
        return (
            "\(label)=\(String(decoding: serialized, as: UTF8.self))",
            "\(label)=:\(Base64.encode(signature)):",
            base
        )
    }

    /// 24 bytes from the system CSPRNG as 32 base64url characters.
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        var random: [UInt8] = []
        random.reserveCapacity(24)
        for _ in 0..<3 {
            withUnsafeBytes(of: generator.next() as UInt64) { random.append(contentsOf: $0) }
        }
        return Base64URL.encode(random)
    }
}

/// A signature parameter value (RFC 9421 §2.3 uses integers and strings).
enum SignatureParameterValue: Sendable {
    case integer(Int64)
    case string(String)
}

/// The headers `RequestSigner` produces.
public struct SignatureHeaders: Sendable, Hashable {
    /// The `Signature-Input` value (`sig1=("@method" …);created=…;keyid="…";nonce="…";alg="…"`).
    public var signatureInput: String
    /// The `Signature` value (`sig1=:…:`).
    public var signature: String
    /// The `Content-Digest` value, when content was given.
    public var contentDigest: String?

    /// The header lines to add, in order (`gateway sign` prints them).
    public var fields: [(name: String, value: String)] {
        var fields = [
            (name: "Signature-Input", value: self.signatureInput), (name: "Signature", value: self.signature),
        ]
        if let contentDigest = self.contentDigest {
            fields.insert((name: "Content-Digest", value: contentDigest), at: 0)
        }
        return fields
    }
}

/// A request could not be signed.
public struct RequestSigningError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}

extension String {
    /// RFC 8941 §3.2 key: lowercase letter or `*`, then lowercase letters, digits, `_ - . *`.
    fileprivate var structuredHeadersIsValidKey: Bool {
        guard let first = self.utf8.first, (first >= 0x61 && first <= 0x7A) || first == 0x2A else { return false }
        return self.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
                || byte == 0x2E || byte == 0x2A
        }
    }
}
