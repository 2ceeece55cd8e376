/// A random (version 4) GUID in lower case, as the Azure host's invocation ids and `randGuid` look:
/// the WebJobs SDK under the host makes each invocation's id with `Guid.NewGuid()`
/// (Azure/azure-webjobs-sdk, src/Microsoft.Azure.WebJobs.Host/Triggers/TriggeredFunctionInstanceFactory.cs). Foundation's `UUID()` opened, read and closed `/dev/urandom` for each one:
/// three system calls on every proxied request (4% of the host's CPU in the profile). The standard
/// library's generator reads the same kernel source with `getrandom`, one call per 8 bytes.
enum RandomGUID {
    static func next() -> String {
        var generator = SystemRandomNumberGenerator()
        return format((generator.next(), generator.next()))
    }

    /// `8-4-4-4-12` hex digits of 16 bytes, with the version (4) and variant (RFC 4122) bits set.
    static func format(_ value: (UInt64, UInt64)) -> String {
        var bytes = value
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0f | 0x40
            raw[8] = raw[8] & 0x3f | 0x80
            var text: [UInt8] = []
            text.reserveCapacity(36)
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
                text.append(digit(raw[index] >> 4))
                text.append(digit(raw[index] & 0x0f))
            }
            return String(decoding: text, as: UTF8.self)
        }

        func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
    }
}
