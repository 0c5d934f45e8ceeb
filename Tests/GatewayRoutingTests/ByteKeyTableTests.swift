@testable import GatewayRouting
import Testing

@Suite("ByteKeyTable")
struct ByteKeyTableTests {
    private func lookUp(_ table: ByteKeyTable<Int>, _ key: String) -> Int? {
        Array(key.utf8).withUnsafeBytes { table.value(for: $0) }
    }

    @Test("finds each key by its bytes, and nothing for a prefix, an extension or another case")
    func exactBytes() {
        let keys = (0..<200).map { "/api/v\($0 % 7)/resource-\($0).json" }
        let table = ByteKeyTable(keys.enumerated().map { (key: Array($0.element.utf8), value: $0.offset) })
        for (index, key) in keys.enumerated() {
            #expect(self.lookUp(table, key) == index)
            #expect(self.lookUp(table, key + "/") == nil)
            #expect(self.lookUp(table, String(key.dropLast())) == nil)
            #expect(self.lookUp(table, key.uppercased()) == nil)
        }
        #expect(self.lookUp(table, "") == nil)
    }

    @Test("an empty table, and the empty key")
    func emptyTableAndKey() {
        let empty = ByteKeyTable<Int>([])
        #expect(empty.isEmpty)
        #expect(self.lookUp(empty, "/") == nil)
        let table = ByteKeyTable([(key: [], value: 1), (key: Array("/".utf8), value: 2)])
        #expect(self.lookUp(table, "") == 1)
        #expect(self.lookUp(table, "/") == 2)
    }

    @Test("a key given twice keeps its first value")
    func duplicateKeys() {
        let table = ByteKeyTable([(key: Array("/a".utf8), value: 1), (key: Array("/a".utf8), value: 2)])
        #expect(self.lookUp(table, "/a") == 1)
    }

    @Test("keys that differ only in bytes outside ASCII are different keys")
    func nonASCIIBytes() {
        // "é" precomposed and decomposed: equal as Swift strings, different bytes on the wire.
        let table = ByteKeyTable([(key: Array("/caf\u{E9}".utf8), value: 1)])
        #expect(self.lookUp(table, "/caf\u{E9}") == 1)
        #expect(self.lookUp(table, "/cafe\u{301}") == nil)
    }
}
