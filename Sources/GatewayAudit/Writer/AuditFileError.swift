/// A file of the audit log could not be opened, read or written.
///
/// A struct wrapping a private enum, so that cases can be added without breaking callers.
public struct AuditFileError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Operation: Sendable, Hashable {
        case open
        case read
        case write
        case sync
    }

    private let operation: Operation
    /// The file's path (`<stdout>` for standard output).
    public let path: String
    /// The `errno` the system call failed with.
    public let errorNumber: Int32

    private init(_ operation: Operation, path: String, errorNumber: Int32) {
        self.operation = operation
        self.path = path
        self.errorNumber = errorNumber
    }

    static func open(_ path: String, errorNumber: Int32) -> Self { Self(.open, path: path, errorNumber: errorNumber) }
    static func read(_ path: String, errorNumber: Int32) -> Self { Self(.read, path: path, errorNumber: errorNumber) }
    static func write(_ path: String, errorNumber: Int32) -> Self { Self(.write, path: path, errorNumber: errorNumber) }
    static func sync(_ path: String, errorNumber: Int32) -> Self { Self(.sync, path: path, errorNumber: errorNumber) }

    /// Whether the file could not be opened (missing, not permitted, …).
    public var isOpenFailure: Bool { self.operation == .open }

    public var description: String {
        let verb: String
        switch self.operation {
        case .open: verb = "cannot open"
        case .read: verb = "cannot read"
        case .write: verb = "cannot write"
        case .sync: verb = "cannot sync"
        }
        return "\(verb) \(self.path): \(SystemFile.errorText(self.errorNumber))"
    }
}
