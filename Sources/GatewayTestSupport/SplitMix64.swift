/// SplitMix64, the generator of Steele, Lea & Flood, "Fast Splittable Pseudorandom Number
/// Generators" (OOPSLA 2014), as Vigna's `splitmix64.c` writes it: a 64-bit state advanced by
/// the golden-ratio increment and its output mixed (Stafford's Mix13). Small, fast and not
/// cryptographic: a fixed seed gives the same sequence on every run and platform, so a test's
/// generated inputs (and a failure) repeat.
///
/// The differential and fuzzing tests depend on their seeds' sequences: keep the algorithm.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose first output is the mix of `seed` plus the increment (seed 0 gives
    /// 0xE220A8397B1DCDAF first, as `splitmix64.c` does).
    public init(seed: UInt64) {
        self.state = seed
    }

    /// The next 64 bits.
    public mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<upper (`next() % upper`: slightly biased, and fixed by the seed, as the tests want).
    public mutating func int(_ upper: Int) -> Int {
        Int(self.next() % UInt64(upper))
    }

    /// A number in `range` (`lowerBound + next() % count`).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(self.next() % UInt64(range.count))
    }

    /// True with probability `numerator` / `denominator`.
    public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        self.int(denominator) < numerator
    }

    /// One of `values`, which must not be empty.
    public mutating func pick<T>(_ values: [T]) -> T {
        values[self.int(values.count)]
    }
}
