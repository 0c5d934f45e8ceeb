import Foundation

/// What `gateway --version` prints and the start-up log names.
///
/// SwiftPM has no step that writes the build's commit into the binary, so the commit comes from
/// the `GATEWAY_COMMIT` environment variable when it is set (the container image bakes it in from
/// its `GATEWAY_COMMIT` build argument), and is said to be `unknown` otherwise.
public enum GatewayVersion {
    /// This release's number.
    public static let number = "0.1.0"

    /// The commit the binary was built from, when known: 7 to 40 hexadecimal digits.
    public static var commit: String? {
        guard let commit = ProcessInfo.processInfo.environment["GATEWAY_COMMIT"],
            (7...40).contains(commit.count),
            commit.allSatisfy(\.isHexDigit)
        else { return nil }
        return commit.lowercased()
    }

    /// `gateway 0.1.0 (commit 1a2b3c4)`, or `gateway 0.1.0 (commit unknown)`.
    public static var description: String {
        "gateway \(Self.number) (commit \(Self.commit ?? "unknown"))"
    }
}
