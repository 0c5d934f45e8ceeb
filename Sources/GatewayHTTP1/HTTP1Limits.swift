/// The sizes a decoder accepts before it refuses a message (SPEC §9 "Bodies").
///
/// Each limit is checked at the byte that crosses it, so a refusal does not wait for the end of
/// a line or head: a target one byte over `maxTargetBytes` is refused as soon as that byte
/// arrives.
public struct HTTP1Limits: Sendable, Hashable {
    /// The whole head in bytes, from the first byte of the request (or status) line through the
    /// empty line that ends the head, line endings included (SPEC `max_header_bytes`). Beyond
    /// it: `.headTooLarge` (431). Empty lines before a request line (RFC 9112 §2.2) are not part
    /// of the head, but at most this many bytes of them are skipped.
    public var maxHeadBytes: Int
    /// The request target in bytes (SPEC `max_uri_bytes`). Beyond it: `.uriTooLong` (414).
    public var maxTargetBytes: Int
    /// Field lines in one head, or in one trailer section. Beyond it: `.headTooLarge` (431).
    public var maxFieldCount: Int
    /// One chunk-size line (RFC 9112 §7.1), size and extensions, without its CRLF. Beyond it:
    /// `.malformed` (400): chunk extensions are otherwise unbounded.
    public var maxChunkLineBytes: Int
    /// The trailer section of one chunked body (RFC 9112 §7.1.2), from its first field line
    /// through the empty line that ends it. Beyond it: `.headTooLarge`.
    public var maxTrailerBytes: Int

    public init(
        maxHeadBytes: Int = 16384,
        maxTargetBytes: Int = 8192,
        maxFieldCount: Int = 128,
        maxChunkLineBytes: Int = 4096,
        maxTrailerBytes: Int = 16384
    ) {
        precondition(maxHeadBytes > 0 && maxTargetBytes > 0 && maxFieldCount >= 0)
        precondition(maxChunkLineBytes > 0 && maxTrailerBytes >= 2)
        self.maxHeadBytes = maxHeadBytes
        self.maxTargetBytes = maxTargetBytes
        self.maxFieldCount = maxFieldCount
        self.maxChunkLineBytes = maxChunkLineBytes
        self.maxTrailerBytes = maxTrailerBytes
    }
}
