import Testing

@testable import GatewayRules

/// "Did you mean" hints.
struct SuggestionTests {
    @Test func closeKeysAreSuggested() {
        #expect(Suggestion.closest(to: "lsiten", among: ["listen", "threads"]) == "listen")
        #expect(Suggestion.closest(to: "max_body_byte", among: ServerRules.knownKeys) == "max_body_bytes")
        #expect(Suggestion.closest(to: "tls_file", among: ServerRules.knownKeys) == nil)
        #expect(Suggestion.closest(to: "ab", among: ["id"]) == nil)
        #expect(Suggestion.closest(to: "idd", among: ["id"]) == "id")
    }

    @Test func distanceCountsSwapsAsOneEdit() {
        #expect(Suggestion.distance(Array("ca".utf8), Array("ac".utf8)) == 1)
        #expect(Suggestion.distance(Array("kitten".utf8), Array("sitting".utf8)) == 3)
        #expect(Suggestion.distance([], Array("abc".utf8)) == 3)
    }
}
