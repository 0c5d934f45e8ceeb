import GatewayAudit
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `--log-format json`: one JSON object per line on stderr, with the fields of the text form —
/// `{"ts":…,"level":…,"label":…,"source":…,"message":…,"metadata":{…}}`, `ts` in RFC 3339 UTC
/// with milliseconds, metadata keys sorted.
///
/// Written here because no maintained package in reach provides one: swift-log ships only the
/// text `StreamLogHandler`, and the logging packages of our package mirror (swift-otel among
/// them) export OTLP rather than lines on stderr. Strings are escaped with the audit log's
/// JSON escaping (GatewayAudit), so a value can never break a line.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var metadata = self.metadata
        if let provided = self.metadataProvider?.get() { metadata.merge(provided) { $1 } }
        if let explicit = event.metadata { metadata.merge(explicit) { $1 } }
        if let error = event.error { metadata["error.message"] = "\(error)" }
        let line = Self.line(
            milliseconds: Self.nowMilliseconds(),
            level: event.level,
            label: self.label,
            source: event.source,
            message: event.message.description,
            metadata: metadata
        )
        Self.emit(line)
    }

    /// The JSON text of one log line, newline included.
    static func line(
        milliseconds: Int64,
        level: Logger.Level,
        label: String,
        source: String,
        message: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        Self.appendRaw("{\"ts\":\"", to: &bytes)
        RFC3339Timestamp.append(milliseconds: milliseconds, to: &bytes)
        Self.appendRaw("\",\"level\":", to: &bytes)
        CanonicalJSON.appendString(level.rawValue, to: &bytes)
        Self.appendRaw(",\"label\":", to: &bytes)
        CanonicalJSON.appendString(label, to: &bytes)
        Self.appendRaw(",\"source\":", to: &bytes)
        CanonicalJSON.appendString(source, to: &bytes)
        Self.appendRaw(",\"message\":", to: &bytes)
        CanonicalJSON.appendString(message, to: &bytes)
        Self.appendRaw(",\"metadata\":", to: &bytes)
        Self.append(.dictionary(metadata), to: &bytes)
        Self.appendRaw("}\n", to: &bytes)
        return bytes
    }

    private static func append(_ value: Logger.Metadata.Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(let text):
            CanonicalJSON.appendString(text, to: &bytes)
        case .stringConvertible(let value):
            CanonicalJSON.appendString(value.description, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.append(value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let values):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                CanonicalJSON.appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                Self.append(values[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static func appendRaw(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// One line at a time, so lines from several threads never interleave.
    private static let output = Mutex(())

    private static func emit(_ line: [UInt8]) {
        Self.output.withLock { _ in
            line.withUnsafeBufferPointer { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0, errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
