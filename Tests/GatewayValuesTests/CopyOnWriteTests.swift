import GatewayValues
import Testing

/// `CopyOnWrite` must behave as the value it holds: a change to one copy never shows in another,
/// and equality and hashing are the value's.
@Suite struct CopyOnWriteTests {
    private struct Pair: Hashable {
        var name: String
        var items: [Int]
    }

    @Test func aChangeToACopyLeavesTheOriginal() {
        let original = CopyOnWrite(Pair(name: "a", items: [1]))
        var copy = original
        copy.value.name = "b"
        copy.value.items.append(2)
        #expect(original.value == Pair(name: "a", items: [1]))
        #expect(copy.value == Pair(name: "b", items: [1, 2]))
        var third = copy
        third.value.items = []
        #expect(copy.value.items == [1, 2])
        #expect(third.value.items.isEmpty)
    }

    @Test func aLoneCopyChangesInPlace() {
        var only = CopyOnWrite(Pair(name: "a", items: []))
        for index in 0..<100 { only.value.items.append(index) }
        #expect(only.value.items.count == 100)
        #expect(only.value.name == "a")
    }

    @Test func equalityAndHashingAreTheValues() {
        let one = CopyOnWrite(Pair(name: "a", items: [1]))
        let same = CopyOnWrite(Pair(name: "a", items: [1]))
        var other = one
        other.value.name = "z"
        #expect(one == same)
        #expect(one == one)
        #expect(one != other)
        #expect(one.hashValue == same.hashValue)
        #expect(Set([one, same, other]).count == 2)
    }
}
