import Testing

@testable import GatewayCredentials

/// Scope extraction and claim types.
@Suite struct ClaimsReaderTests {
    private func claims(_ payload: String, scopeClaims: [String] = ["scope", "scp"]) throws -> JWTClaims {
        try ClaimsReader(scopeClaims: scopeClaims).read(Array(payload.utf8))
    }

    @Test func spaceSeparatedScopeString() throws {
        let claims = try self.claims(#"{"scope":"  orders:read   orders:write "}"#)
        #expect(claims.scopes == ["orders:read", "orders:write"])
        #expect(claims.scopeClaim == "scope")
    }

    @Test func scopeArray() throws {
        let claims = try self.claims(#"{"scp":["orders:read","orders write"]}"#)
        #expect(claims.scopes == ["orders:read", "orders write"])
        #expect(claims.scopeClaim == "scp")
    }

    @Test func configuredOrderDecidesNotTokenOrder() throws {
        let payload = #"{"scope":"from-scope","scp":["from-scp"],"scopes":["from-scopes"]}"#
        #expect(try self.claims(payload).scopes == ["from-scope"])
        #expect(try self.claims(payload, scopeClaims: ["scp", "scope"]).scopes == ["from-scp"])
        #expect(try self.claims(payload, scopeClaims: ["scopes", "scp"]).scopes == ["from-scopes"])
        // The first configured claim that is present wins, even when it comes last in the token.
        #expect(try self.claims(#"{"scp":["b"],"scope":"a"}"#, scopeClaims: ["scope", "scp"]).scopes == ["a"])
        // An empty present claim still wins: it is present.
        let empty = try self.claims(#"{"scope":"","scp":["b"]}"#)
        #expect(empty.scopes == [] && empty.scopeClaim == "scope")
    }

    @Test func noScopeClaimGivesNoScopes() throws {
        let claims = try self.claims(#"{"roles":["admin"]}"#)
        #expect(claims.scopes.isEmpty)
        #expect(claims.scopeClaim == nil)
        #expect(try self.claims(#"{"scope":"a"}"#, scopeClaims: []).scopes.isEmpty)
    }

    @Test func wrongTypesAreMalformed() {
        for payload in [
            #"{"scope":7}"#, #"{"scp":["a",1]}"#, #"{"iss":1}"#, #"{"sub":[]}"#, #"{"jti":{}}"#, #"{"exp":"1"}"#,
            #"{"nbf":true}"#, #"{"iat":null}"#, #"{"aud":{"a":1}}"#, #"{"exp":1e30}"#,
        ] {
            #expect(throws: JWTVerificationError.malformedCredential, "\(payload)") { _ = try self.claims(payload) }
        }
    }

    @Test func registeredClaimsAndUnknownOnesSideBySide() throws {
        let claims = try self.claims(
            #"{"iss":"i","sub":"s","aud":["a","b"],"exp":10,"nbf":5.5,"iat":4.1,"jti":"j","custom":{"deep":[1,2,{"x":null}]}}"#
        )
        #expect(claims == JWTClaims(iss: "i", sub: "s", aud: ["a", "b"], exp: 10, nbf: 6, iat: 5, jti: "j"))
    }

    @Test func aScopeClaimNamedLikeARegisteredOneStillCounts() throws {
        let claims = try self.claims(#"{"sub":"a b"}"#, scopeClaims: ["sub"])
        #expect(claims.sub == "a b")
        #expect(claims.scopes == ["a", "b"])
    }

    // MARK: cnf.jkt (RFC 9449 §6.1)

    @Test func confirmationThumbprintIsRead() throws {
        let claims = try self.claims(#"{"sub":"a","cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}"#)
        #expect(claims.jkt == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")
        // Another confirmation method only: not DPoP-bound.
        #expect(try self.claims(#"{"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}"#).jkt == nil)
        #expect(try self.claims(#"{"sub":"a"}"#).jkt == nil)
    }

    @Test func aMalformedConfirmationIsMalformed() {
        for payload in [
            #"{"cnf":"0ZcOCORZNYy"}"#, #"{"cnf":["x"]}"#, #"{"cnf":{"jkt":7}}"#, #"{"cnf":{"jkt":""}}"#,
            #"{"cnf":{"jkt":"not base64url!"}}"#, #"{"cnf":{"jkt":"a","jkt":"b"}}"#,
        ] {
            #expect(throws: JWTVerificationError.malformedCredential, "\(payload)") { _ = try self.claims(payload) }
        }
    }

    // MARK: Claims to headers (SPEC §10)

    private func headerValues(_ payload: String, names: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        _ = try ClaimsReader(scopeClaims: ["scope"], headerClaims: names).read(Array(payload.utf8), headerValues: &values)
        return values
    }

    @Test func headerClaimsAsTheirHeaderValues() throws {
        let payload = #"""
            {"tenant":"acme","level":42,"ratio":-1.5e3,"admin":true,"beta":false,"groups":["a","b c"],
             "none":[],"mixed":["a",1],"object":{"a":"b"},"nothing":null,"sub":"alice","unasked":"x"}
            """#
        let names = ["tenant", "level", "ratio", "admin", "beta", "groups", "none", "mixed", "object", "nothing", "sub", "absent"]
        let values = try self.headerValues(payload, names: names)
        #expect(
            values == [
                "tenant": "acme", "level": "42", "ratio": "-1.5e3", "admin": "true", "beta": "false",
                "groups": "a b c", "none": "", "sub": "alice",
            ]
        )
    }

    @Test func controlCharactersInHeaderClaimsBecomeSpaces() throws {
        let payload = #"{"name":"a\r\nX-Injected: 1\u0000b\tc","list":["x\ny","z"]}"#
        let values = try self.headerValues(payload, names: ["name", "list"])
        #expect(values["name"] == "a  X-Injected: 1 b\tc")
        #expect(values["list"] == "x y z")
    }

    @Test func onlyTheNamedClaimsAreExtracted() throws {
        #expect(try self.headerValues(#"{"tenant":"acme","email":"a@b"}"#, names: []).isEmpty)
        #expect(try self.headerValues(#"{"tenant":"acme","email":"a@b"}"#, names: ["email"]) == ["email": "a@b"])
    }
}
