/// The checks a decision ran, in order, for `gateway explain`. Disabled on the request path,
/// where recording costs one branch per check.
public struct PolicyTrace: Sendable {
    public struct Step: Sendable, Equatable {
        public var check: String
        public var passed: Bool
        public var detail: String
    }

    public let isEnabled: Bool
    public private(set) var steps: [Step] = []

    public init(enabled: Bool) {
        self.isEnabled = enabled
    }

    public static var disabled: PolicyTrace { PolicyTrace(enabled: false) }

    /// Records a check; `detail` is only evaluated when tracing is on.
    @inlinable
    public mutating func record(_ check: String, passed: Bool, detail: @autoclosure () -> String) {
        guard self.isEnabled else { return }
        self.append(check, passed, detail())
    }

    @usableFromInline
    mutating func append(_ check: String, _ passed: Bool, _ detail: String) {
        self.steps.append(Step(check: check, passed: passed, detail: detail))
    }
}
