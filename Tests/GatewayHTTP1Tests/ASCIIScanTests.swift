@testable import GatewayHTTP1
import GatewayTestSupport
import Testing

/// The word-at-a-time scan of a field value must stop exactly where the byte-by-byte test does:
/// it is on the parser's path, so a byte it let through that the byte test refuses would be a
/// control character in a forwarded value.
@Suite struct ASCIIScanTests {
    /// Where the byte-by-byte loop stops.
    private static func byteLoopEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, ASCII.isFieldValueByte(bytes[index]) { index += 1 }
        return index
    }

    @Test func theWordTestIsExactForEveryByteInEveryPosition() {
        for byte in 0...255 {
            for position in 0..<8 {
                var word = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                word[position] = UInt8(byte)
                let value = word.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                // HTAB is a field-value byte but below 0x20: the word test sends it to the byte loop.
                let expected = !ASCII.isFieldValueByte(UInt8(byte)) || byte == 0x09
                #expect(ASCII.hasControlOrDelete(value) == expected, "byte \(byte) at \(position)")
            }
        }
    }

    @Test func theWordTestSeesEveryControlByteNextToObsText() {
        // Bytes 0x80-0xFF around a control byte must not hide it (no borrow masks it).
        for control in [0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x7F] as [UInt8] {
            for position in 0..<8 {
                var word = [UInt8](repeating: 0xFF, count: 8)
                word[position] = control
                let value = word.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                #expect(ASCII.hasControlOrDelete(value), "byte \(control) at \(position)")
            }
        }
        let clean = [UInt8](repeating: 0x20, count: 4) + [0x7E, 0x80, 0xFF, 0x21]
        #expect(!ASCII.hasControlOrDelete(clean.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
    }

    @Test func theScanStopsWhereTheByteLoopStops() {
        var generator = SplitMix64(seed: 0x5EED_F1E1D)
        let interesting: [UInt8] = [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xFF]
        for _ in 0..<20_000 {
            let length = generator.int(80)
            var bytes = (0..<length).map { _ in UInt8(0x21 + generator.int(0x5E)) }
            // One or two bytes from the edges of the classes, anywhere.
            for _ in 0..<generator.int(3) where length > 0 {
                bytes[generator.int(length)] = interesting[generator.int(interesting.count)]
            }
            let start = generator.int(length + 1)
            let scanned = bytes.withUnsafeBytes { ASCII.fieldValueEnd($0, from: start, to: bytes.count) }
            #expect(scanned == Self.byteLoopEnd(bytes, from: start), "\(bytes) from \(start)")
        }
    }

    /// The first stop's lane, exactly: every byte value in every lane, and two stops (the
    /// first counts).
    @Test func theVectorFindsTheFirstControlByteOrDeleteExactly() {
        for position in 0..<16 {
            for byte in 0...255 {
                var lanes = SIMD16<UInt8>(repeating: UInt8(ascii: "a"))
                lanes[position] = UInt8(byte)
                let expected = byte < 0x20 || byte == 0x7F ? position : nil
                #expect(ASCII.firstControlOrDelete(lanes) == expected, "byte \(byte) in lane \(position)")
                if position < 15, expected != nil {
                    lanes[15] = 0x0D
                    #expect(ASCII.firstControlOrDelete(lanes) == position)
                }
            }
        }
    }

    /// The name vector's class, exactly: letters, digits and `-`, every byte value in every lane.
    @Test func theNameVectorKnowsLettersDigitsAndHyphenExactly() {
        for position in 0..<16 {
            for byte in 0...255 {
                var lanes = SIMD16<UInt8>(repeating: UInt8(ascii: "x"))
                lanes[position] = UInt8(byte)
                let scalar = UInt8(byte)
                let expected = (scalar >= 0x41 && scalar <= 0x5A) || (scalar >= 0x61 && scalar <= 0x7A)
                    || (scalar >= 0x30 && scalar <= 0x39) || scalar == 0x2D
                #expect(ASCII.isLetterDigitOrHyphen(lanes)[position] == expected, "byte \(byte) in lane \(position)")
                #expect(ASCII.firstLane(.!ASCII.isLetterDigitOrHyphen(lanes)) == (expected ? nil : position))
            }
        }
    }

    @Test func theNameScanStopsWhereTheByteLoopStops() {
        var generator = SplitMix64(seed: 0x7C4A_12)
        let nameBytes = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        let interesting = Array("!#$%&'*+.^_`|~:; \t\r\n\u{0}\u{7F}\"(),/@[]{}".utf8) + [0x80, 0xC3, 0xFF]
        for _ in 0..<20_000 {
            let length = generator.int(80)
            var bytes = (0..<length).map { _ in nameBytes[generator.int(nameBytes.count)] }
            for _ in 0..<generator.int(3) where length > 0 {
                bytes[generator.int(length)] = interesting[generator.int(interesting.count)]
            }
            let start = generator.int(length + 1)
            let scanned = bytes.withUnsafeBytes { ASCII.tokenEnd($0, from: start, to: bytes.count) }
            var expected = start
            while expected < bytes.count, ASCII.isTChar(bytes[expected]) { expected += 1 }
            #expect(scanned == expected, "\(bytes) from \(start)")
        }
    }
}
