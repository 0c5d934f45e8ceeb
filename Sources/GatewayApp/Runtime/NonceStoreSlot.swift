import GatewayProxy
import GatewayReplay
import GatewayRules
import Synchronization

/// The process's one replay store, made when the rules first need one (it preallocates its
/// tables) and kept from then on: it survives every reload (SPEC §7). Shared by the
/// configuration store and the metrics collector.
final class NonceStoreSlot: Sendable {
    private let store = Mutex<(any NonceStore)?>(nil)

    /// The store for `rules`, made on first need.
    func store(for rules: Rules) -> (any NonceStore)? {
        self.store.withLock { store in
            if store == nil { store = ProxyConfiguration.makeNonceStore(for: rules) }
            return store
        }
    }

    /// Entries held, for `gateway_replay_store_entries`.
    var entryCount: Int? { self.store.withLock { $0?.entryCount } }
}
