/// Exact conversion of a JSON number's text to whole seconds.
///
/// RFC 7519 §2 defines NumericDate as a JSON number of seconds that may be non-integer. The
/// text (already checked against the RFC 8259 §6 grammar) is read as decimal digits and an
/// exponent and rounded as asked, without passing through `Double`, so `1300819380`,
/// `1300819380.0` and `1.30081938e9` all give the same value.
enum JSONNumber {
    /// The integer part rounded down (`roundingUp == false`) or up, or nil when it does not fit
    /// in `Int64`.
    static func integer(_ text: UnsafeBufferPointer<UInt8>, roundingUp: Bool) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index += 1 }

        // Digits (integer part, then fraction), and where the decimal point falls among them.
        let digitsStart = index
        var integerDigits = 0
        while index < text.count, isDigit(text[index]) {
            index += 1
            integerDigits += 1
        }
        var fractionStart = index
        var fractionDigits = 0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < text.count, isDigit(text[index]) {
                index += 1
                fractionDigits += 1
            }
        }
        var exponent = 0
        if index < text.count, text[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            while index < text.count, isDigit(text[index]) {
                // Clamped: anything past a few hundred is all zeros or an overflow anyway.
                exponent = min(exponent * 10 + Int(text[index] - UInt8(ascii: "0")), 100_000)
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        let digitCount = integerDigits + fractionDigits
        @inline(__always) func digit(_ position: Int) -> UInt8 {
            let offset = position < integerDigits ? digitsStart + position : fractionStart + position - integerDigits
            return text[offset] - UInt8(ascii: "0")
        }

        // The decimal point sits after `point` digits (it may lie before the first or past the last).
        let point = integerDigits + exponent
        var magnitude: Int64 = 0
        var position = 0
        while position < max(point, 0) {
            let value: Int64 = position < digitCount ? Int64(digit(position)) : 0
            if position >= digitCount, magnitude == 0 { break }  // trailing zeros of zero
            let (shifted, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(value)
            if overflow1 || overflow2 { return nil }
            magnitude = sum
            position += 1
        }
        var hasFraction = false
        var fractionPosition = max(point, 0)
        while fractionPosition < digitCount {
            if digit(fractionPosition) != 0 {
                hasFraction = true
                break
            }
            fractionPosition += 1
        }

        if negative {
            // -(m + f): rounding down moves away from zero when there is a fraction.
            if hasFraction, !roundingUp {
                let (value, overflow) = magnitude.addingReportingOverflow(1)
                return overflow ? nil : -value
            }
            return -magnitude
        }
        if hasFraction, roundingUp {
            let (value, overflow) = magnitude.addingReportingOverflow(1)
            return overflow ? nil : value
        }
        return magnitude
    }
}

@inline(__always)
private func isDigit(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "0") < 10
}
