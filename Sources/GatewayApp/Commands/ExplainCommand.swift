import Foundation
import GatewayPolicy
import GatewayRouting
import GatewayRules
import NIOHTTP1

/// `gateway explain`: evaluates the rules offline for one request, forwarding nothing, and
/// prints the matched route, every check with its result, and the decision with its reason
/// code (SPEC §1). It runs the proxy's own policy code.
public enum ExplainCommand {
    /// Exit status 0 whether the request would be allowed or denied, 1 when the rules file is
    /// invalid or the request cannot be formed.
    public static func run(
        rulesPath: String,
        method: String,
        url: String,
        headers: [String],
        now: Int64? = nil,
        fetchedJWKS: [String: [UInt8]] = [:]
    ) -> (lines: [String], status: Int32) {
        let policy: Policy
        do {
            policy = try RulesFile.compile(rulesPath, fetchedJWKS: fetchedJWKS).policy
        } catch {
            return (error.diagnostics.map(\.description), 1)
        }
        let request: PolicyRequest<HTTPHeaders>
        switch Self.request(method: method, url: url, headers: headers) {
        case .success(let built): request = built
        case .failure(let problem): return (["error: \(problem.message)"], 1)
        }
        var trace = PolicyTrace(enabled: true)
        let context = PolicyContext(now: now ?? Int64(Date().timeIntervalSince1970))
        let decision = policy.decide(request, context: context, trace: &trace)
        var lines = ["request: \(request.method) \(request.target) (host \(request.host ?? "none"))"]
        for step in trace.steps {
            lines.append("  \(step.passed ? "pass" : "FAIL")  \(step.check): \(step.detail)")
        }
        lines.append(contentsOf: Self.describe(decision))
        return (lines, 0)
    }

    private static func describe(_ decision: Decision) -> [String] {
        switch decision {
        case .allow(let allowance):
            var lines = ["route: \(allowance.route.name)"]
            if let identity = allowance.identity {
                let bound = identity.jkt.map { ", DPoP key \($0)" } ?? ""
                lines.append("credential: \(identity.credentialLabel), subject \(identity.subject), scopes [\(identity.scopes.joined(separator: " "))]\(bound)")
            }
            if let claim = allowance.replayNonce {
                lines.append("replay: \(claim.scope) nonce \"\(claim.value)\" would be recorded until \(claim.expiresAt) (explain records nothing)")
            }
            if let claim = allowance.dpopNonce {
                lines.append("dpop: the proof's jti would be recorded under \(claim.scope) until \(claim.expiresAt) (explain records nothing)")
            }
            for header in allowance.claimHeaders {
                lines.append("header: \(header.name): \(header.value)")
            }
            let targets = allowance.route.upstream.targets.map(\.description).joined(separator: ", ")
            // The last line: the verdict and the reason code the audit record would carry when
            // the upstream answers (SPEC §9 "`gateway check` counts").
            lines.append("decision: allow ok → upstream \(allowance.route.upstream.name) (\(targets)) as \(allowance.upstreamTarget)")
            return lines
        case .deny(let denial):
            var lines: [String] = []
            if let route = denial.routeName { lines.append("route: \(route)") }
            for (name, value) in denial.headers { lines.append("answer header: \(name): \(value)") }
            lines.append("decision: deny \(denial.status) \(denial.reason.rawValue) — \(denial.message)")
            return lines
        }
    }

    struct Problem: Error {
        var message: String
    }

    /// The request head `curl -X METHOD -H … URL` would send.
    static func request(method: String, url: String, headers: [String]) -> Result<PolicyRequest<HTTPHeaders>, Problem> {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            return .failure(Problem(message: "--url: \"\(url)\" is not an absolute http(s) URL"))
        }
        var fields = HTTPHeaders()
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                return .failure(Problem(message: "-H: \"\(header)\" is not \"Name: value\""))
            }
            fields.add(name: String(header[..<colon]), value: String(header[header.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        if !fields.contains(name: "host") {
            fields.add(name: "host", value: components.port.map { "\(host):\($0)" } ?? host)
        }
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        return .success(
            PolicyRequest(
                method: HTTPMethod(rawValue: method.uppercased()),
                target: target,
                host: fields.first(name: "host").flatMap(HostName.normalize),
                headers: fields,
                isSecure: components.scheme == "https"
            )
        )
    }
}
