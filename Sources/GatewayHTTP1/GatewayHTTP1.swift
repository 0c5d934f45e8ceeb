// GatewayHTTP1 owns the HTTP/1.1 wire format of the gateway: a strict, incremental request
// decoder for client connections, a response decoder for upstream connections, and the
// serialisation of heads and chunked bodies (RFC 9112). It imports NIOCore only, for
// `ByteBuffer`; it knows nothing of channels, routes or policy.
//
// Written by hand, deliberately. llhttp (NIO's `HTTPDecoder`) is the reference parser and the
// differential tests hold this codec to it, but llhttp through NIO makes a `String` for every
// method, target, field name and value and a `[(String, String)]` per head, which is most of
// what a proxy spends per request. This codec parses with byte loops over the buffer the bytes
// arrived in and hands out field *ranges* into it: no allocation per field, no `String` on the
// hot path. It is also stricter than llhttp wherever RFC 9112 lets a recipient refuse and where
// request smuggling lives (see `HTTP1RequestDecoder` for the list); no package offers that.
