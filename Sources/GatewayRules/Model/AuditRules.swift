/// `[audit]`: where audit records go and whether they are hash-chained (SPEC §5).
public struct AuditRules: Sendable, Equatable {
    public enum Sink: Sendable, Equatable {
        case stdout
        /// Appended to; reopened on SIGHUP (path resolved).
        case file(String)
    }

    public var sink: Sink
    public var hashChain: Bool

    public init(sink: Sink = .stdout, hashChain: Bool = true) {
        self.sink = sink
        self.hashChain = hashChain
    }
}
