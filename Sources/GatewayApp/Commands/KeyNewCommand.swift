import GatewayCredentials

/// `gateway key new`: a fresh API key (256 bits from the system CSPRNG, printed once) and the
/// `[[api_keys]]` block holding only its hash (SPEC §1).
public enum KeyNewCommand {
    public static func run(id: String?, scopes: [String], prefix: String) -> (lines: [String], status: Int32) {
        let generated: GeneratedAPIKey
        do {
            generated = try APIKeyGenerator.generate(prefix: prefix)
        } catch {
            return (["error: \(error)"], 1)
        }
        let keyID = id ?? "key-" + generated.hashText.dropFirst("sha256:".count).prefix(8)
        return (
            [
                "# The API key — give it to its holder now; it is not stored anywhere and cannot be shown again:",
                generated.key,
                "",
                "# Add this block to the rules file (it holds only the key's SHA-256), then reload (SIGHUP):",
                generated.tomlBlock(id: keyID, scopes: scopes, subject: nil),
            ],
            0
        )
    }
}
