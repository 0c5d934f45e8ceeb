import GatewayCredentials

/// Client authentication at the token and revocation endpoints (RFC 6749 §2.3.1, RFC 7009 §2.1):
/// the client is an `[[api_keys]]` entry, its id the client id and the API key the secret.
///
/// Two methods, exactly one per request (RFC 6749 §2.3: "MUST NOT use more than one
/// authentication method in each request"): HTTP Basic (`client_secret_basic`) or the
/// `client_id` and `client_secret` form parameters (`client_secret_post`).
enum ClientAuthentication {
    /// What the client presented, not yet checked.
    struct Presented {
        var clientID: String
        var clientSecret: String
    }

    /// The presented credentials, or the refusal of a request that presents none, several, or
    /// malformed ones.
    static func presented(authorization: [String], form: FormBody) throws(TokenError) -> Presented {
        let formID = try TokenEndpoint.parameter("client_id", in: form)
        let formSecret = try TokenEndpoint.parameter("client_secret", in: form)
        guard authorization.count <= 1 else {
            throw .invalidRequest("the request has more than one Authorization field")
        }
        if let value = authorization.first {
            guard formID == nil, formSecret == nil else {
                throw .invalidRequest(
                    "the client authenticated twice: use HTTP Basic or client_id and client_secret, not both"
                )
            }
            do throws(BasicCredentialsError) {
                let basic = try BasicCredentials(authorization: value)
                return Presented(clientID: basic.clientID, clientSecret: basic.clientSecret)
            } catch {
                if error == .notBasic { throw .invalidClient("only HTTP Basic client authentication is supported") }
                throw .invalidClient("the Basic credentials are malformed")
            }
        }
        switch (formID, formSecret) {
        case (let id?, let secret?):
            return Presented(clientID: id, clientSecret: secret)
        case (nil, nil):
            throw .invalidClient("client authentication is missing: use HTTP Basic or client_id and client_secret")
        case (_?, nil):
            throw .invalidClient("client_secret is missing")
        case (nil, _?):
            throw .invalidRequest("client_secret was given without client_id")
        }
    }

    /// The API key the client authenticated as: its secret is a configured key whose id is the
    /// client id, enabled and unexpired. Every failure is `invalid_client`; the descriptions
    /// tell a disabled or expired key apart only to a caller who presented its secret.
    static func authenticate(
        _ presented: Presented,
        in table: APIKeyTable,
        now: Int64
    ) throws(TokenError) -> APIKeyMatch {
        switch table.lookup(presentedKey: presented.clientSecret, now: now) {
        case .success(let match):
            guard match.id == presented.clientID else { throw .invalidClient("client authentication failed") }
            return match
        case .failure(let failure):
            if failure == .keyRevoked { throw .invalidClient("the client's API key is disabled") }
            if failure == .keyExpired { throw .invalidClient("the client's API key has expired") }
            throw .invalidClient("client authentication failed")
        }
    }
}
