/// An `ExchangeStateMachine` on the heap, so that a connection between requests holds one nil
/// pointer for it instead of the whole machine inline (about 570 bytes on every idle keep-alive
/// connection; bench/RESULTS.md, "Memory").
///
/// A `final class` only to move the value out of line: its owner copies it before a mutation
/// when it is shared (`isKnownUniquelyReferenced`), so the machine keeps value semantics.
final class ExchangeSlot {
    var machine: ExchangeStateMachine

    init(_ machine: ExchangeStateMachine) {
        self.machine = machine
    }
}
