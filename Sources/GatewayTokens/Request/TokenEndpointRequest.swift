/// What the token endpoint reads of one request: its method, the values of its `Content-Type`
/// and `Authorization` fields (every field line, in order, so that a repeated one is seen), and
/// its whole body.
///
/// The proxy fills it once the body has arrived (at most `TokenEndpoint.maximumBodyBytes`).
/// Nothing else of the request matters: the query string is ignored (RFC 6749 §3.2 puts the
/// parameters in the body), and the host does not choose anything.
public struct TokenEndpointRequest: Sendable {
    /// As received (`POST`; methods are case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// Every `Content-Type` value; one is expected.
    public var contentType: [String]
    /// Every `Authorization` value; none (form credentials) or one (`Basic`) is expected.
    public var authorization: [String]
    public var body: [UInt8]

    public init(method: String, contentType: [String], authorization: [String] = [], body: [UInt8]) {
        self.method = method
        self.contentType = contentType
        self.authorization = authorization
        self.body = body
    }
}
