#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes JSON string escapes into UTF-8 bytes, copying runs between backslashes in bulk.
enum JSONUnescaper {
    static func unescape(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, into output: inout [UInt8]) throws(ScanError) {
        output.reserveCapacity(output.count + range.count)
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            guard let found = memchr(base + index, 0x5C, end - index) else {
                output.append(contentsOf: UnsafeBufferPointer(start: base + index, count: end - index))
                return
            }
            let slash = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            output.append(contentsOf: UnsafeBufferPointer(start: base + index, count: slash - index))
            guard slash + 1 < end else { throw .syntax(slash, "dangling escape") }
            let escaped = base[slash + 1]
            index = slash + 2
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                var scalar = try hex4(base, at: index, end: end)
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard index + 6 <= end, base[index] == 0x5C, base[index + 1] == UInt8(ascii: "u") else {
                        throw .syntax(index, "unpaired surrogate")
                    }
                    let low = try hex4(base, at: index + 2, end: end)
                    guard (0xDC00..<0xE000).contains(low) else { throw .syntax(index, "unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw .syntax(index, "unpaired surrogate")
                }
                appendUTF8(scalar, to: &output)
            default:
                throw .syntax(slash, "unknown escape")
            }
        }
    }

    static func hex4(_ base: UnsafePointer<UInt8>, at index: Int, end: Int) throws(ScanError) -> UInt32 {
        guard index + 4 <= end else { throw .syntax(index, "short \\u escape") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = base[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .syntax(index + offset, "invalid hex digit")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case ..<0x80: output.append(UInt8(scalar))
        case ..<0x800:
            output.append(UInt8(0xC0 | scalar >> 6))
            output.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            output.append(UInt8(0xE0 | scalar >> 12))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        default:
            output.append(UInt8(0xF0 | scalar >> 18))
            output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
