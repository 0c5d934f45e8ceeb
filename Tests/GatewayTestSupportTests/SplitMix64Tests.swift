import GatewayTestSupport
import Testing

/// The generator gives `splitmix64.c`'s sequence, so every seed in the tests keeps its inputs.
@Suite struct SplitMix64Tests {
    @Test func seedsGiveTheReferenceSequence() {
        // Outputs of Vigna's splitmix64.c for these seeds.
        var zero = SplitMix64(seed: 0)
        #expect([zero.next(), zero.next(), zero.next()] == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
        var other = SplitMix64(seed: 1_234_567)
        #expect([other.next(), other.next(), other.next()] == [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
    }

    @Test func helpersReduceTheNextOutput() {
        var reference = SplitMix64(seed: 42)
        var random = SplitMix64(seed: 42)
        for upper in [1, 2, 3, 7, 100, 1 << 20] {
            let expected = Int(reference.next() % UInt64(upper))
            #expect(random.int(upper) == expected)
        }
        for range in [0...0, 0...8, 1...3, -5...5] {
            let expected = range.lowerBound + Int(reference.next() % UInt64(range.count))
            let value = random.int(range)
            #expect(value == expected)
            #expect(range.contains(value))
        }
        for (numerator, denominator) in [(1, 3), (0, 5), (5, 5), (2, 7)] {
            #expect(random.chance(numerator, in: denominator) == (Int(reference.next() % UInt64(denominator)) < numerator))
        }
        let values = ["a", "b", "c", "d", "e"]
        #expect(random.pick(values) == values[Int(reference.next() % 5)])
    }

    @Test func itServesAsTheStandardLibrarysGenerator() {
        var reference = SplitMix64(seed: 7)
        var random = SplitMix64(seed: 7)
        let first = reference.next()
        #expect(UInt64.random(in: .min ... .max, using: &random) == first)
    }
}
