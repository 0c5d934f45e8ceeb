/// Why a value written in the rules file is not valid.
///
/// The message says only what is wrong with the value ("unknown unit \"x\""); the loader adds the key
/// path, the position and, unless the value may hold a secret, the value itself.
struct ValueError: Error, Equatable, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { self.message }
}
