import Testing

@testable import GatewayProxy

/// The ids a loop makes: 28 lowercase hex digits, the loop's random prefix then a counter.
struct RequestIDGeneratorTests {
    @Test func idsAreThePrefixThenTheCounterInHex() {
        var generator = RequestIDGenerator()
        let ids = (0..<300).map { _ in generator.next() }
        let hex = Set("0123456789abcdef")
        for id in ids {
            #expect(id.count == 28)
            #expect(id.allSatisfy { hex.contains($0) })
            #expect(RequestIDGenerator.isAcceptable(id))
            #expect(id.prefix(16) == ids[0].prefix(16))
        }
        #expect(ids[0].suffix(12) == "000000000001")
        #expect(ids[299].suffix(12) == "00000000012c")
        #expect(Set(ids).count == ids.count)
        var other = RequestIDGenerator()
        #expect(other.next().prefix(16) != ids[0].prefix(16))
    }
}
