/// DNS host names as written in the rules file.
enum HostName {
    /// Labels of 1–63 letters, digits, `-` or `_`, not starting or ending with `-`, separated by
    /// single dots; 253 characters at most (RFC 1035 §2.3.4, with `_` allowed as many internal
    /// names use it).
    static func isValid(_ name: Substring) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(self.isValidLabel)
    }

    private static func isValidLabel(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy {
            ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
    }
}
