#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes JSON string escapes into UTF-8 bytes, copying runs between backslashes in bulk.
enum JSONUnescaper {
    /// Appends the decoded bytes of the string content at `range` to `output`.
    static func unescape(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, into output: inout [UInt8]) throws(ScanError) {
        try output.append(contentsOf: decoded(base, range).get())
    }

    /// The decoded bytes of the string content at `range`. Runs between backslashes are copied with
    /// `memcpy` into a buffer sized once: decoding never grows text.
    static func decoded(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Result<[UInt8], ScanError> {
        var failure: ScanError?
        let bytes = [UInt8](unsafeUninitializedCapacity: max(range.count, 1)) { output, written in
            guard let target = output.baseAddress else { return }
            var index = range.lowerBound
            let end = range.upperBound
            var length = 0
            while index < end {
                guard let found = memchr(base + index, 0x5C, end - index) else {
                    memcpy(target + length, base + index, end - index)
                    length += end - index
                    break
                }
                let slash = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                let run = slash - index
                if run < 16 {
                    // Short runs are common between escapes; a loop beats a memcpy call there.
                    for offset in 0..<run { target[length + offset] = base[index + offset] }
                } else {
                    memcpy(target + length, base + index, run)
                }
                length += run
                if slash + 1 < end, base[slash + 1] == 0x5C || base[slash + 1] == 0x22 {
                    target[length] = base[slash + 1]
                    length += 1
                    index = slash + 2
                    continue
                }
                switch decodeEscape(base, at: slash, end: end) {
                case let .success((scalar, next)):
                    if scalar < 0x80 {
                        target[length] = UInt8(scalar)
                        length += 1
                    } else {
                        var encoded: [UInt8] = []
                        appendUTF8(scalar, to: &encoded)
                        for byte in encoded {
                            target[length] = byte
                            length += 1
                        }
                    }
                    index = next
                case let .failure(error):
                    failure = error
                    index = end
                }
            }
            written = length
        }
        if let failure { return .failure(failure) }
        return .success(bytes)
    }

    /// Decodes the escape whose backslash is at `slash`: the scalar and the index after it.
    static func decodeEscape(_ base: UnsafePointer<UInt8>, at slash: Int, end: Int) -> Result<(UInt32, Int), ScanError> {
        guard slash + 1 < end else { return .failure(.syntax(slash, "dangling escape")) }
        let escaped = base[slash + 1]
        let index = slash + 2
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return .success((UInt32(escaped), index))
        case UInt8(ascii: "n"): return .success((0x0A, index))
        case UInt8(ascii: "r"): return .success((0x0D, index))
        case UInt8(ascii: "t"): return .success((0x09, index))
        case UInt8(ascii: "b"): return .success((0x08, index))
        case UInt8(ascii: "f"): return .success((0x0C, index))
        case UInt8(ascii: "u"):
            do throws(ScanError) {
                let high = try hex4(base, at: index, end: end)
                if (0xD800..<0xDC00).contains(high) {
                    guard index + 10 <= end, base[index + 4] == 0x5C, base[index + 5] == UInt8(ascii: "u") else {
                        return .failure(.syntax(index, "unpaired surrogate"))
                    }
                    let low = try hex4(base, at: index + 6, end: end)
                    guard (0xDC00..<0xE000).contains(low) else { return .failure(.syntax(index, "unpaired surrogate")) }
                    return .success((0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), index + 10))
                }
                guard !(0xDC00..<0xE000).contains(high) else { return .failure(.syntax(index, "unpaired surrogate")) }
                return .success((high, index + 4))
            } catch {
                return .failure(error)
            }
        default:
            return .failure(.syntax(slash, "unknown escape"))
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
