import NIOHPACK

/// Which response fields the gateway offers to HPACK's dynamic table (RFC 7541 §6.2).
///
/// `set-cookie` is never indexed (RFC 7541 §7.1.3): a value that may carry a session secret stays
/// out of every compression context, and the never-indexed flag asks intermediaries that
/// re-encode the block to keep it so. `content-length` and `age` are literals without indexing:
/// short digit strings that differ from response to response, which would only push the fields
/// that repeat out of the table. Everything else is indexable, `date` included: it repeats for a
/// whole second of responses, and Huffman-coding it every time cost more than looking it up
/// (callgrind, HTTP/2 row of `bench/instructions.sh`: 20,300 instructions of HPACK a response
/// with `date` as a literal against 17,200 indexed).
enum ResponseFieldIndexing {
    /// The indexing for a field named `name` (any ASCII case).
    static func indexing(of name: UnsafeRawBufferPointer) -> HPACKIndexing {
        switch name.count {
        case 3:
            if ASCIIName.equals(name, "age") { return .nonIndexable }
        case 10:
            if ASCIIName.equals(name, "set-cookie") { return .neverIndexed }
        case 14:
            if ASCIIName.equals(name, "content-length") { return .nonIndexable }
        default:
            break
        }
        return .indexable
    }

    /// The indexing for a field named `name` (any ASCII case).
    static func indexing(of name: String) -> HPACKIndexing {
        var name = name
        return name.withUTF8 { Self.indexing(of: UnsafeRawBufferPointer($0)) }
    }
}
