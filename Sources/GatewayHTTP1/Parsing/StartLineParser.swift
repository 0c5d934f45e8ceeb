/// The first line of a head, parsed resumably: a request line (`RequestLineParser`) or a status
/// line (`StatusLineParser`).
protocol StartLineParser: Sendable {
    init()

    /// Continues through `bytes` (everything buffered, the line first). The whole head may not
    /// pass `limits.maxHeadBytes`.
    mutating func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTP1Limits) -> ParseProgress
}
