import Foundation
@testable import GatewayApp
import Testing

/// The files in `deploy/` work as shipped: the installed rules file checks clean, the Kubernetes
/// pod meets the "restricted" Pod Security Standard and drains within its grace period, and the
/// systemd install steps are the ones the operations guide prints.
@Suite struct DeploymentFileTests {
    static let root = CommandTests.repositoryRoot

    static func read(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The rules file inside the manifest's ConfigMap (`gateway.conf: |`), unindented.
    static func embeddedRules(in manifest: String) -> String? {
        let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "gateway.conf: |" }) else {
            return nil
        }
        var rules: [Substring] = []
        for line in lines[(start + 1)...] {
            if line.isEmpty {
                rules.append("")
            } else if line.hasPrefix("    ") {
                rules.append(line.dropFirst(4))
            } else {
                break
            }
        }
        return rules.joined(separator: "\n")
    }

    @Test func installedRulesFileUsesAbsolutePathsAndChecksClean() throws {
        let text = try Self.read("deploy/systemd/gateway.conf")
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.contains("_file =") || line.hasPrefix("sink =") {
                #expect(line.contains("= \"/"), "not an absolute path: \(line)")
            }
        }
        let directory = try makeTemporaryDirectory("deploy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.conf").path
        // The audit folder the install creates, here a temporary one.
        try text.replacingOccurrences(of: "/var/log/gateway", with: directory.path)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 0, "\(lines)")
        #expect(lines == ["ok: 2 routes, 0 keys, 0 api keys, 0 signing keys"])
    }

    @Test func kubernetesPodIsRestrictedAndDrainsWithinItsGracePeriod() throws {
        let manifest = try Self.read("deploy/kubernetes/gateway.yaml")
        for required in [
            "runAsNonRoot: true", "allowPrivilegeEscalation: false", #"capabilities: { drop: ["ALL"] }"#,
            "seccompProfile: { type: RuntimeDefault }", "preStop:", "readinessProbe:", "path: /readyz",
        ] {
            #expect(manifest.contains(required), "missing: \(required)")
        }
        #expect(!manifest.contains("privileged: true") && !manifest.contains("hostNetwork") && !manifest.contains("hostPath"))
        let grace = try #require(manifest.firstMatch(of: /terminationGracePeriodSeconds: (\d+)/).flatMap { Int($0.1) })
        let pause = try #require(manifest.firstMatch(of: /command: \["sleep", "(\d+)"\]/).flatMap { Int($0.1) })
        let rules = try #require(Self.embeddedRules(in: manifest))
        let drain = try #require(rules.firstMatch(of: /shutdown_grace = "(\d+)s"/).flatMap { Int($0.1) })
        #expect(pause > 0)
        #expect(grace > pause + drain, "the pause and the drain must fit in terminationGracePeriodSeconds")
    }

    /// Outside the cluster the Service name does not resolve: `check` warns and still says ok
    /// (SPEC §9 "Upstream names"), as the gateway looks names up only when it connects.
    @Test func kubernetesRulesCheckCleanWhereTheServiceNameDoesNotResolve() throws {
        let rules = try #require(Self.embeddedRules(in: Self.read("deploy/kubernetes/gateway.yaml")))
        let directory = try makeTemporaryDirectory("deploy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("gateway.conf").path
        try rules.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, status) = RulesCheck.run(path: path)
        #expect(status == 0, "\(lines)")
        #expect(lines.last == "ok: 1 routes, 0 keys, 0 api keys, 0 signing keys")
    }

    @Test func systemdInstallStepsAreTheOperationsGuides() throws {
        let unit = try Self.read("deploy/systemd/gateway.service")
        let guide = try Self.read("docs/operations.md")
        let steps = unit.split(separator: "\n").prefix { $0.hasPrefix("#") }
            .map { $0.dropFirst().trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasSuffix(":") && !$0.hasPrefix("systemd unit") && !$0.hasPrefix("Reload") }
        #expect(steps.count >= 8)
        for step in steps {
            #expect(guide.contains(step), "operations.md lacks the step: \(step)")
        }
        #expect(steps.contains { $0.hasPrefix("useradd --system") })
        let stop = try #require(unit.firstMatch(of: /TimeoutStopSec=(\d+)s/).flatMap { Int($0.1) })
        #expect(stop > 15, "TimeoutStopSec must exceed the default shutdown_grace")
    }
}
