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
}
