import NIOHTTP2
import Testing

@testable import GatewayProxy

/// The HTTP/2 connection's map from stream ID to stream state: a `Dictionary`'s behaviour for
/// the operations the handler uses, values changed in place.
struct HTTP2StreamTableTests {
    @Test func behavesAsAMapKeptInOpeningOrder() {
        var table = HTTP2StreamTable<[Int]>()
        #expect(table.isEmpty)
        for id in [1, 3, 5, 7] { table[HTTP2StreamID(id)] = [id] }
        #expect(table.count == 4)
        #expect(table.keys == [1, 3, 5, 7].map { HTTP2StreamID($0) })
        #expect(table[5] == [5])
        #expect(table[9] == nil)

        table[3]?.append(33)  // in place
        table[3]!.append(333)
        #expect(table[3] == [3, 33, 333])
        table[9]?.append(1)  // absent: nothing happens
        #expect(table[9] == nil && table.count == 4)

        table[5] = nil
        #expect(table.keys == [1, 3, 7].map { HTTP2StreamID($0) })
        #expect(table.removeValue(forKey: 1) == [1])
        #expect(table.removeValue(forKey: 1) == nil)
        table[7] = [70]  // replaces
        #expect(Array(table.map(\.key)) == [3, 7].map { HTTP2StreamID($0) })
        #expect(Array(table.map(\.value)) == [[3, 33, 333], [70]])
    }

    @Test func holdsAFullConnectionsStreams() {
        var table = HTTP2StreamTable<Int>()
        for id in stride(from: 1, through: 255, by: 2) { table[HTTP2StreamID(id)] = id }
        #expect(table.count == 128)
        for id in stride(from: 1, through: 255, by: 2) { #expect(table[HTTP2StreamID(id)] == id) }
        for id in stride(from: 1, through: 255, by: 4) { table[HTTP2StreamID(id)] = nil }
        #expect(table.count == 64)
        #expect(table.keys.first == 3 && table.keys.last == 255)
    }
}
