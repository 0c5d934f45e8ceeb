/// The HTTP versions an HTTP/1 decoder accepts (RFC 9112 §2.3): `HTTP/1.0` and `HTTP/1.1`,
/// spelled exactly so.
public enum HTTP1Version: Sendable, Equatable {
    case http1_0
    case http1_1
}
