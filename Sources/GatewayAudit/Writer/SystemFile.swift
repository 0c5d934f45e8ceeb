#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX file calls the audit log makes, with `EINTR` retried and short writes resumed.
/// Used on the writer thread and by the verifier, never on an event loop.
enum SystemFile {
    /// Owner read/write, group read (0640): audit records name clients and subjects.
    static let auditFileMode: mode_t = 0o640

    /// Opens `path` for appending, creating it with mode 0640: every `write(2)` lands at the end
    /// of the file, also after logrotate's `copytruncate` (POSIX `O_APPEND`).
    static func openForAppend(_ path: String) throws(AuditFileError) -> CInt {
        let descriptor = Self.retryingInterrupts {
            open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, Self.auditFileMode)
        }
        guard descriptor >= 0 else { throw .open(path, errorNumber: errno) }
        return descriptor
    }

    /// Whether `path` names the null device (`/dev/null`, or a link to it): a character device
    /// with the same device number as `/dev/null`.
    static func isNullDevice(_ path: String) -> Bool {
        var target = stat()
        var null = stat()
        guard stat(path, &target) == 0, stat("/dev/null", &null) == 0 else { return false }
        return (target.st_mode & S_IFMT) == S_IFCHR && (null.st_mode & S_IFMT) == S_IFCHR && target.st_rdev == null.st_rdev
    }

    static func openForReading(_ path: String) throws(AuditFileError) -> CInt {
        let descriptor = Self.retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw .open(path, errorNumber: errno) }
        return descriptor
    }

    /// Writes as much of `bytes` as the system takes, resuming short writes. Returns the bytes
    /// written and, when it stopped early, the `errno`.
    static func writeAll(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer) -> (written: Int, errorNumber: Int32?) {
        var written = 0
        while written < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                return (written, errno)
            }
            written += result
        }
        return (written, nil)
    }

    /// `fsync(2)`; `nil` on success, else the `errno`. `EINVAL`/`EROFS` (a pipe or terminal as
    /// standard output) count as success: there is nothing to sync.
    static func sync(_ descriptor: CInt) -> Int32? {
        if Self.retryingInterrupts({ fsync(descriptor) }) == 0 { return nil }
        let error = errno
        return error == EINVAL || error == EROFS ? nil : error
    }

    static func closeFile(_ descriptor: CInt) {
        _ = close(descriptor)
    }

    /// The file's size, or `nil` when it cannot be read.
    static func size(_ descriptor: CInt) -> Int64? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        return Int64(status.st_size)
    }

    /// Reads up to `count` bytes at `offset`.
    static func readAt(_ descriptor: CInt, count: Int, offset: Int64) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if result == 0 { break }
            filled += result
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// Reads the next chunk, or an empty array at the end of the file.
    static func readNext(_ descriptor: CInt, upTo count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        while true {
            let result = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, count) }
            if result < 0 {
                if errno == EINTR { continue }
                return nil
            }
            bytes.removeLast(count - result)
            return bytes
        }
    }

    static func errorText(_ errorNumber: Int32) -> String {
        guard let text = strerror(errorNumber) else { return "errno \(errorNumber)" }
        return String(cString: text)
    }

    private static func retryingInterrupts(_ call: () -> CInt) -> CInt {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
