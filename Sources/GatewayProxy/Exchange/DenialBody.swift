import GatewayPolicy
import NIOCore

/// The JSON body of a refusal: `{"error":"<reason>","message":"…","request_id":"…"}` (SPEC §3).
/// It never echoes a credential or any other request data but the request id.
enum DenialBody {
    static func make(reason: DenyReason, message: String, requestID: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 96 + message.utf8.count + requestID.utf8.count)
        buffer.writeStaticString(#"{"error":""#)
        buffer.writeString(reason.rawValue)
        buffer.writeStaticString(#"","message":"#)
        Self.writeJSONString(message, to: &buffer)
        buffer.writeStaticString(#","request_id":"#)
        Self.writeJSONString(requestID, to: &buffer)
        buffer.writeStaticString("}")
        return buffer
    }

    /// Writes `text` as a JSON string (RFC 8259 §7 escapes).
    static func writeJSONString(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString(#"\""#)
            case UInt8(ascii: "\\"): buffer.writeStaticString(#"\\"#)
            case 0x0A: buffer.writeStaticString(#"\n"#)
            case 0x0D: buffer.writeStaticString(#"\r"#)
            case 0x09: buffer.writeStaticString(#"\t"#)
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                buffer.writeStaticString(#"\u00"#)
                buffer.writeInteger(hex[Int(byte >> 4)])
                buffer.writeInteger(hex[Int(byte & 0x0F)])
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
