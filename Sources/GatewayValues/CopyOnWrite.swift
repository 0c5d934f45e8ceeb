/// A value kept in one heap object that its copies share until one of them changes it, when
/// that copy takes its own object first (copy on write, as `Array` does).
///
/// For the large values a request hands along: a struct of strings and arrays stored inline
/// retains each of them on every copy, where this retains one object. A hot-path type holds its
/// fields as `CopyOnWrite<Fields>` and forwards its properties with `_read` and `_modify`
/// accessors, so a read borrows the field instead of copying it.
public struct CopyOnWrite<Value> {
    @usableFromInline var storage: Storage

    @inlinable
    public init(_ value: Value) {
        self.storage = Storage(value)
    }

    /// The value; writing it copies the object first if another copy shares it.
    @inlinable
    public var value: Value {
        _read { yield self.storage.value }
        _modify {
            if !isKnownUniquelyReferenced(&self.storage) { self.storage = Storage(self.storage.value) }
            yield &self.storage.value
        }
    }

    /// The shared object. Changed only through `value`'s `_modify`, that is while one
    /// `CopyOnWrite` alone holds it.
    @usableFromInline
    final class Storage {
        @usableFromInline var value: Value

        @usableFromInline
        init(_ value: Value) {
            self.value = value
        }
    }
}

/// Sendable when the value is: an object is never changed while two copies share it, so no two
/// threads see it change.
extension CopyOnWrite: @unchecked Sendable where Value: Sendable {}

extension CopyOnWrite: Equatable where Value: Equatable {
    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.value == rhs.value
    }
}

extension CopyOnWrite: Hashable where Value: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.value)
    }
}
