import GatewayCredentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `gateway key new`: a fresh API key (256 bits from the system CSPRNG, printed once) and the
/// `[[api_keys]]` block holding only its hash (SPEC §1).
public enum KeyNewCommand {
    /// With `keyFile`, the key goes into that new file (mode 0600; an existing file is never
    /// overwritten) and only the TOML block is printed, so that `>> gateway.conf` appends it.
    public static func run(
        id: String?,
        scopes: [String],
        prefix: String,
        keyFile: String? = nil
    ) -> (lines: [String], status: Int32) {
        let generated: GeneratedAPIKey
        do {
            generated = try APIKeyGenerator.generate(prefix: prefix)
        } catch {
            return (["error: \(error)"], 1)
        }
        let keyID = id ?? "key-" + generated.hashText.dropFirst("sha256:".count).prefix(8)
        let block = generated.tomlBlock(id: keyID, scopes: scopes, subject: nil)
        if let keyFile {
            if let problem = Self.store(generated.key + "\n", toNewFile: keyFile) {
                return (["error: cannot write \(keyFile): \(problem)"], 1)
            }
            return (["", block], 0)
        }
        return (
            [
                "# The API key — give it to its holder now; it is not stored anywhere and cannot be shown again:",
                generated.key,
                "",
                "# Add this block to the rules file (it holds only the key's SHA-256), then reload (SIGHUP):",
                block,
            ],
            0
        )
    }

    /// Creates `path` readable by its owner only and writes `text`; the reason when it cannot.
    private static func store(_ text: String, toNewFile path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            return errno == EEXIST ? "the file exists (a key is never overwritten)" : String(cString: strerror(errno))
        }
        defer { close(descriptor) }
        var bytes = Array(text.utf8)
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress, $0.count) }
        return written == bytes.count ? nil : String(cString: strerror(errno))
    }
}
