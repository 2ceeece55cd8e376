extension JSONCursor {
    /// Iterates an object's members. `visit` gets the raw key range (escapes not decoded) and the
    /// cursor positioned at the value; it returns true if it consumed the value, false to skip it.
    mutating func readObject(depth: Int = 0, _ visit: (Range<Int>, inout JSONCursor) throws(ScanError) -> Bool) throws(ScanError) {
        guard depth < maxDepth else { throw ScanError(offset: index, kind: .depth) }
        guard peek() == UInt8(ascii: "{") else { throw ScanError(offset: index, kind: .type("an object")) }
        index += 1
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            let key = try stringRange().range
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            if try !visit(key, &self) { try skipValue(depth: depth + 1) }
            switch peek() {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "}")?: index += 1; return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    /// Iterates an array's elements; `visit` returns true if it consumed the element.
    mutating func readArray(depth: Int = 0, _ visit: (Int, inout JSONCursor) throws(ScanError) -> Bool) throws(ScanError) {
        guard depth < maxDepth else { throw ScanError(offset: index, kind: .depth) }
        guard peek() == UInt8(ascii: "[") else { throw ScanError(offset: index, kind: .type("an array")) }
        index += 1
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        var position = 0
        while true {
            skipWhitespace()
            if try !visit(position, &self) { try skipValue(depth: depth + 1) }
            position += 1
            switch peek() {
            case UInt8(ascii: ",")?: index += 1
            case UInt8(ascii: "]")?: index += 1; return
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    /// Skips one value of any kind.
    mutating func skipValue(depth: Int = 0) throws(ScanError) {
        switch peek() {
        case UInt8(ascii: "\"")?: _ = try stringRange()
        case UInt8(ascii: "{")?, UInt8(ascii: "[")?: try skipContainer(depth: depth)
        case UInt8(ascii: "t")?, UInt8(ascii: "f")?: _ = try readBool()
        case UInt8(ascii: "n")?: _ = try consumeNull()
        case .some: _ = try numberRange()
        case nil: throw fail("unexpected end of input")
        }
    }

    /// Skips a whole object or array: strings by quote jumps, everything else by a byte loop that
    /// keeps a stack of the brackets it must close.
    mutating func skipContainer(depth: Int) throws(ScanError) {
        var stack: [UInt8] = []
        stack.reserveCapacity(16)
        while index < count {
            let byte = base[index]
            switch byte {
            case UInt8(ascii: "\""):
                _ = try stringRange()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                // Inside a response body skipping has no depth limit (`skipsAnyDepth`): the stack is on
                // the heap and bounded by the body's size, and a response that echoes a client's deep
                // JSON schema must still be billed. The envelope itself keeps its limit.
                guard skipsAnyDepth || depth + stack.count < maxDepth else { throw ScanError(offset: index, kind: .depth) }
                stack.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard stack.last == byte else { throw fail("mismatched '\(Character(Unicode.Scalar(byte)))'") }
                stack.removeLast()
                if stack.isEmpty {
                    index += 1
                    return
                }
            default:
                break
            }
            index += 1
        }
        throw fail("unterminated container")
    }
}
