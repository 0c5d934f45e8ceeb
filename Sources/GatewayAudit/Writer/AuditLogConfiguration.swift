extension AuditLog {
    /// Where records go and how much the queue holds before the request path is held back.
    public struct Configuration: Sendable {
        /// SPEC §2 `[audit] sink`.
        public enum Destination: Sendable, Hashable {
            /// Standard output (a pipe to a collector, or the terminal). Reopen does nothing; the
            /// chain starts at 64 zeros at every start, since the gateway cannot read it back.
            case standardOutput
            /// A file opened for appending (`O_APPEND | O_CREAT`, mode 0640), reopened on SIGHUP.
            case file(path: String)
        }

        public var destination: Destination
        /// SPEC §2 `[audit] hash_chain`: records carry `prev` and `hash`.
        public var hashChain: Bool
        /// Records waiting to be written above which `submit` answers `.overloaded`.
        public var highWaterMark: Int
        /// Records waiting at or below which `notifyWhenDrained` calls back.
        public var lowWaterMark: Int
        /// Bytes of lines gathered into one `write(2)` at most.
        public var maximumWriteBytes: Int
        /// How long shutdown keeps retrying a sink that fails (disk full) before the remaining
        /// lines go to standard error instead, so `gateway run` can still exit.
        public var shutdownWriteTimeout: Duration

        /// Where lines go that the sink refused until `shutdownWriteTimeout` ran out: standard
        /// error. Tests point it elsewhere.
        var fallbackDescriptor: CInt = 2
        /// The first pause after a failed write; doubled up to `maximumRetryInterval`.
        var initialRetryInterval: Duration = .milliseconds(10)
        var maximumRetryInterval: Duration = .seconds(1)

        public init(
            destination: Destination,
            hashChain: Bool = true,
            highWaterMark: Int = 65_536,
            lowWaterMark: Int? = nil,
            maximumWriteBytes: Int = 1 << 20,
            shutdownWriteTimeout: Duration = .seconds(10)
        ) {
            self.destination = destination
            self.hashChain = hashChain
            self.highWaterMark = max(1, highWaterMark)
            self.lowWaterMark = min(max(0, lowWaterMark ?? highWaterMark / 2), self.highWaterMark)
            self.maximumWriteBytes = max(4096, maximumWriteBytes)
            self.shutdownWriteTimeout = shutdownWriteTimeout
        }
    }
}
