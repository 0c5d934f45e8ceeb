/// The first record at which an audit chain does not hold: where it is and why.
public struct AuditChainBreak: Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the record. A struct wrapping a private enum, so that reasons can be
    /// added without breaking callers.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case malformed
            case unchained
            case edited
            case missingRecord
            case insertedRecord
            case outOfOrder
        }

        private let base: Base

        /// The line is not a JSON object the audit log writes (not JSON, not canonical, cut short).
        public static let malformed = Reason(base: .malformed)
        /// The record has no valid `prev` and `hash` (written without `hash_chain`).
        public static let unchained = Reason(base: .unchained)
        /// The record's `hash` is not the SHA-256 of its content: the record was edited.
        public static let edited = Reason(base: .edited)
        /// `prev` names no record in the files: one or more records before this one were deleted
        /// (or the one before it was rewritten with a new hash), or a file is missing.
        public static let missingRecord = Reason(base: .missingRecord)
        /// `prev` names an earlier record than the one before it: a record was inserted or
        /// duplicated before this one.
        public static let insertedRecord = Reason(base: .insertedRecord)
        /// `prev` names a record that comes later in the files: records were swapped or moved,
        /// or files were given out of order.
        public static let outOfOrder = Reason(base: .outOfOrder)

        public var description: String {
            switch self.base {
            case .malformed: return "malformed record"
            case .unchained: return "record is not chained"
            case .edited: return "record edited"
            case .missingRecord: return "record(s) deleted before this one"
            case .insertedRecord: return "record inserted before this one"
            case .outOfOrder: return "records out of order"
            }
        }
    }

    /// The file, as given to the verifier.
    public let file: String
    /// The 1-based line number in `file`.
    public let line: Int
    public let reason: Reason
    /// What was found, in words (expected and found hashes, parser message, …).
    public let detail: String

    public init(file: String, line: Int, reason: Reason, detail: String) {
        self.file = file
        self.line = line
        self.reason = reason
        self.detail = detail
    }

    /// `FILE:LINE: REASON: DETAIL`, the way compilers point at a line.
    public var description: String {
        "\(self.file):\(self.line): \(self.reason): \(self.detail)"
    }
}
