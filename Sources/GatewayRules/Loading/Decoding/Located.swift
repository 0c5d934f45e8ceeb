/// A decoded value and the key path of the table it came from, for cross-checks that report later.
struct Located<Value> {
    var value: Value
    var path: KeyPath
}
