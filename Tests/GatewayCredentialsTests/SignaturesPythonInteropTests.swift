import Foundation
import GatewayRules
import GatewayTestSupport
import Testing

@testable import GatewayCredentials

/// Interoperability with an independent RFC 9421 implementation: the PyPI package
/// `http-message-signatures` (3.x) signs requests this verifier must accept, and verifies
/// requests `RequestSigner` signs. Runs only where `python3` can import it and `requests`
/// (`pip install http-message-signatures requests`); skipped elsewhere.
@Suite(.enabled("needs python3 with http-message-signatures and requests") { await PythonInterop.isAvailable() })
struct SignaturesPythonInteropTests {
    /// Signs a POST with content and a nonce with a fresh key of each algorithm, as `docs/
    /// signed-requests.md` shows, and prints what the verifier needs as JSON.
    static let signScript = #"""
        import json, sys
        import requests
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
        from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

        out = []
        keys = {
            "ed25519": (ed25519.Ed25519PrivateKey.generate(), algorithms.ED25519),
            "ecdsa-p256-sha256": (ec.generate_private_key(ec.SECP256R1()), algorithms.ECDSA_P256_SHA256),
            "rsa-pss-sha512": (
                rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithms.RSA_PSS_SHA512),
            "hmac-sha256": (b"0123456789abcdef0123456789abcdef", algorithms.HMAC_SHA256),
        }
        for alg, (key, algorithm) in keys.items():
            body = b'{"amount": 12}'
            request = requests.Request(
                "POST", "https://api.example.com/invoices?id=7&kind=draft", data=body,
                headers={"Content-Type": "application/json"},
            ).prepare()
            public = key if isinstance(key, bytes) else key.public_key()
            resolver = MappingKeyResolver(public_keys={"bot": public}, private_keys={"bot": key})
            signer = HTTPMessageSigner(signature_algorithm=algorithm, key_resolver=resolver)
            signer.sign(
                request, key_id="bot", nonce="n-" + alg + "-0123456789", label="sig1",
                covered_component_ids=("@method", "@authority", "@path", "@query"), body=body,
            )
            pem = "" if isinstance(key, bytes) else public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            out.append({"alg": alg, "public_key": pem, "url": request.url, "headers": dict(request.headers)})
        print(json.dumps(out))
        """#

    /// Verifies the request described by the JSON on stdin; prints the covered components.
    static let verifyScript = #"""
        import json, sys
        import requests
        from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms

        given = json.load(sys.stdin)
        request = requests.Request(given["method"], given["url"], data=given["body"].encode(),
                                   headers=given["headers"]).prepare()
        for name, value in given["headers"].items():
            request.headers[name] = value
        resolver = MappingKeyResolver(public_keys={"bot": given["public_key"].encode()}, private_keys={})
        verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
        results = verifier.verify(request, body=given["body"].encode())
        print(" ".join(str(component) for component in results[0].covered_components))
        """#

    @Test func requestsSignedInPythonVerify() async throws {
        let output = try await PythonInterop.run(Self.signScript)
        let signed = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        #expect(signed.count == 4)
        let now = Int64(Date().timeIntervalSince1970)
        for entry in signed {
            let algName = try #require(entry["alg"] as? String)
            let alg = try #require(SignatureAlgorithm(rawValue: algName))
            let publicKey = try #require(entry["public_key"] as? String)
            let key: AnyVerificationKey =
                alg == .hmacSHA256
                ? .hmac(try SignatureKeys.hmacKey(Array("0123456789abcdef0123456789abcdef".utf8)))
                : try SignatureKeys.verificationKey(pem: publicKey, algorithm: alg)
            let verifier = HTTPSignatureVerifier(
                keyRing: SignatureKeyRing(entries: [
                    "bot": .init(key: key, algorithm: alg, scopes: [], subject: "bot", replayScope: "signature:bot")
                ])
            )
            let headers = try #require(entry["headers"] as? [String: String])
            let url = try #require(entry["url"] as? String)
            var request = try #require(SignedRequest(method: "POST", url: url, hasBody: true))
            request.fields = headers.map { (name: $0.key, value: $0.value) }
            let verified = try verifier.verify(request: request, now: now, window: 300, requireNonce: true)
            #expect(verified.alg == alg)
            #expect(verified.nonce == "n-\(alg.rawValue)-0123456789")
            #expect(verified.coversContentDigest)
            var digest = ContentDigestVerifier(try #require(verified.contentDigest))
            digest.update(Array(#"{"amount": 12}"#.utf8))
            #expect(digest.finish(), "\(alg)")

            // Python's signature over a changed request fails here too.
            var tampered = request
            tampered.target = "/invoices?id=8&kind=draft"
            #expect(
                signatureError { try verifier.verify(request: tampered, now: now, window: 300, requireNonce: true) }
                    == .badSignature
            )
        }
    }

    @Test func requestsSignedHereVerifyInPython() async throws {
        let content = #"{"amount": 12}"#
        let privateKey = try #require(await PythonInterop.ed25519PrivateKey())
        let signer = try RequestSigner(keyID: "bot", privateKeyPEM: privateKey.pem)
        let url = "https://api.example.com/invoices?id=7"
        let unsigned = try #require(SignedRequest(method: "POST", url: url, hasBody: true))
        let headers = try signer.sign(
            unsigned,
            content: Array(content.utf8),
            created: Int64(Date().timeIntervalSince1970)
        )
        var fields: [String: String] = ["Content-Type": "application/json"]
        for field in headers.fields { fields[field.name] = field.value }
        let input: [String: Any] = [
            "method": "POST", "url": url, "body": content, "headers": fields, "public_key": privateKey.publicPEM,
        ]
        let covered = try await PythonInterop.run(
            Self.verifyScript,
            stdin: String(decoding: try JSONSerialization.data(withJSONObject: input), as: UTF8.self)
        )
        // Python lists @signature-params last among what it verified.
        #expect(
            covered.trimmingCharacters(in: .whitespacesAndNewlines)
                == #""@method" "@authority" "@path" "@query" "content-digest" "@signature-params""#
        )

        // And Python refuses it once tampered with.
        var tamperedInput = input
        tamperedInput["url"] = "https://api.example.com/invoices?id=8"
        await #expect(throws: PythonInterop.Failure.self) {
            try await PythonInterop.run(
                Self.verifyScript,
                stdin: String(decoding: try JSONSerialization.data(withJSONObject: tamperedInput), as: UTF8.self)
            )
        }
    }
}

enum PythonInterop {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func isAvailable() async -> Bool {
        (try? await run("import http_message_signatures, requests, cryptography")) != nil
    }

    /// A fresh Ed25519 key pair, made by Python's `cryptography` so the two sides share nothing.
    static func ed25519PrivateKey() async -> (pem: String, publicPEM: String)? {
        let script = """
            import json
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ed25519
            key = ed25519.Ed25519PrivateKey.generate()
            print(json.dumps([
                key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode(),
                key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
            ]))
            """
        guard let output = try? await run(script),
            let pair = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String], pair.count == 2
        else { return nil }
        return (pair[0], pair[1])
    }

    /// Runs `script` with `python3 -c`, `stdin` on its standard input; returns its standard
    /// output; throws `Failure` (with its standard error) on a non-zero exit.
    @discardableResult
    static func run(_ script: String, stdin: String = "") async throws -> String {
        let result = try await Command.run("python3", ["-c", script], input: stdin)
        guard result.status == 0 else { throw Failure(description: result.standardError) }
        return result.standardOutput
    }
}
