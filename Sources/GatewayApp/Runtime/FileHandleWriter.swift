#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum FileHandleWriter {
    static func writeStandardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// A reader of stdout that goes away (the audit sink piped into a process that exits) must not
/// kill the gateway: writes then fail with EPIPE, which the audit writer reports and retries.
public func ignoreBrokenPipes() {
    signal(SIGPIPE, SIG_IGN)
}
