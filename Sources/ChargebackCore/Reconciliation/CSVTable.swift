/// A CSV file (RFC 4180) read into rows of cells: quoted cells may hold commas, quotes (doubled) and
/// line breaks; lines end in CRLF or LF; a UTF-8 byte order mark (Cost Management writes one) is
/// skipped. The first row is the header.
public struct CSVTable: Sendable {
    /// A malformed file, with the 1-based line where reading stopped.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unterminatedQuote(line: Int)
        case textAfterQuote(line: Int)
        case notUTF8(line: Int)
        case empty
        case duplicateColumn(String)
        case rowWidth(line: Int, cells: Int, columns: Int)

        public var description: String {
            switch self {
            case let .unterminatedQuote(line): return "line \(line): a quoted cell is never closed"
            case let .textAfterQuote(line): return "line \(line): text after a closing quote"
            case let .notUTF8(line): return "line \(line): not UTF-8"
            case .empty: return "the file has no header row"
            case let .duplicateColumn(name): return "the column \(name) appears twice"
            case let .rowWidth(line, cells, columns): return "line \(line): \(cells) cells, the header has \(columns)"
            }
        }
    }

    public let columns: [String]
    /// Data rows, each as wide as the header.
    public let rows: [[String]]
    let index: [String: Int]

    /// Reads `bytes`; `keep` sees each data row (with its cells) and drops the ones it returns false for,
    /// so a large export's other resources are never held.
    public init(bytes: [UInt8], keep: ([String: Int], [String]) -> Bool = { _, _ in true }) throws {
        var reader = Reader(bytes: bytes)
        guard let header = try reader.nextRow(), !(header.count == 1 && header[0].isEmpty) else { throw Problem.empty }
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() {
            let trimmed = name.trimmingSpaces
            guard index[trimmed] == nil else { throw Problem.duplicateColumn(trimmed) }
            index[trimmed] = position
        }
        var rows: [[String]] = []
        while let row = try reader.nextRow() {
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == header.count else { throw Problem.rowWidth(line: reader.rowLine, cells: row.count, columns: header.count) }
            if keep(index, row) { rows.append(row) }
        }
        self.columns = header.map(\.trimmingSpaces)
        self.rows = rows
        self.index = index
    }

    /// The position of a column, if present.
    public func position(of column: String) -> Int? { index[column] }

    struct Reader {
        let bytes: [UInt8]
        var offset: Int
        var line = 1
        /// The line the last row started on.
        var rowLine = 1

        init(bytes: [UInt8]) {
            self.bytes = bytes
            offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        }

        mutating func nextRow() throws -> [String]? {
            guard offset < bytes.count else { return nil }
            rowLine = line
            var cells: [String] = []
            var cell: [UInt8] = []
            var quoted = false, wasQuoted = false
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                if quoted {
                    if byte == UInt8(ascii: "\"") {
                        if offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") {
                            cell.append(byte)
                            offset += 1
                        } else {
                            quoted = false
                        }
                    } else {
                        if byte == UInt8(ascii: "\n") { line += 1 }
                        cell.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: ","):
                    cells.append(try text(cell))
                    cell.removeAll(keepingCapacity: true)
                    wasQuoted = false
                case UInt8(ascii: "\n"):
                    cells.append(try text(cell))
                    line += 1
                    return cells
                case UInt8(ascii: "\r") where offset < bytes.count && bytes[offset] == UInt8(ascii: "\n"):
                    continue
                case UInt8(ascii: "\""):
                    guard cell.isEmpty, !wasQuoted else { throw Problem.textAfterQuote(line: line) }
                    quoted = true
                    wasQuoted = true
                default:
                    guard !wasQuoted else { throw Problem.textAfterQuote(line: line) }
                    cell.append(byte)
                }
            }
            guard !quoted else { throw Problem.unterminatedQuote(line: rowLine) }
            cells.append(try text(cell))
            return cells
        }

        func text(_ cell: [UInt8]) throws -> String {
            guard let text = String(validating: cell, as: UTF8.self) else { throw Problem.notUTF8(line: line) }
            return text
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
