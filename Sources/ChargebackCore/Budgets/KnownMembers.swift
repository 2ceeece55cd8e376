/// An object of the budget file whose members are exactly its `CodingKeys`.
protocol BudgetFileObject: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

/// Decodes `Entry` after refusing members it does not define: a misspelt `treshold` would otherwise
/// be ignored in silence, and a webhook `url` would put a secret into a file that must hold none.
struct KnownMembers<Entry: BudgetFileObject>: Decodable {
    var entry: Entry

    init(from decoder: any Decoder) throws {
        let known = Set(Entry.CodingKeys.allCases.map(\.stringValue))
        let present = try decoder.container(keyedBy: MemberName.self).allKeys.map(\.stringValue)
        if let unknown = present.filter({ !known.contains($0) }).sorted().first {
            throw ConfigurationFileError("budget book: \(BudgetBookFile.place(decoder.codingPath)): unknown field '\(unknown)'" + Self.hint(unknown))
        }
        entry = try Entry(from: decoder)
    }

    private static func hint(_ name: String) -> String {
        let lowered = name.lowercased()
        guard lowered.contains("url") || lowered.contains("secret") || lowered.contains("token") else { return "" }
        return " (webhook URLs and secrets never go in this file: name their environment variables in urlFromEnvironment and secretFromEnvironment)"
    }

    /// Any member name, to list what an object holds.
    struct MemberName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(stringValue: String) {
            self.stringValue = stringValue
        }

        init?(intValue: Int) {
            nil
        }
    }
}

extension BudgetBookFile {
    /// A whole number as written. Foundation reports `50.5` where an `Int` belongs as malformed JSON
    /// without a place; this names the place and the value.
    struct WholeNumber: Decodable {
        var value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let whole = try? container.decode(Int.self) {
                value = whole
                return
            }
            let number = try container.decode(Double.self)
            throw ConfigurationFileError("budget book: \(BudgetBookFile.place(decoder.codingPath)): \(number) is not a whole number")
        }
    }
}
