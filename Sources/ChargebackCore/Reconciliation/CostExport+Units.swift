extension CostExport {
    /// How a row's quantity is read: `PricingQuantity` × `x_PricingBlockSize` when the export has
    /// the block size, else `ConsumedQuantity` × the multiple its `ConsumedUnit` names.
    struct Units {
        let pricingQuantity: Int?
        let blockSize: Int?
        let consumedQuantity: Int?
        let consumedUnit: Int?

        init(_ table: CSVTable) {
            pricingQuantity = table.position(of: "PricingQuantity")
            blockSize = table.position(of: "x_PricingBlockSize")
            consumedQuantity = table.position(of: "ConsumedQuantity")
            consumedUnit = table.position(of: "ConsumedUnit")
        }

        /// The row's quantity in whole units (tokens, images…), rounded; nil when unreadable.
        func quantity(_ cells: [String]) -> Int128? {
            if let pricingQuantity, let blockSize, let blocks = InvoiceNumber.picos(cells[pricingQuantity]),
               let size = InvoiceNumber.picos(cells[blockSize]), size > 0 {
                return wholeUnits(blocks, times: size / 1_000_000_000_000)
            }
            guard let consumedQuantity, let consumedUnit, let amount = InvoiceNumber.picos(cells[consumedQuantity]),
                  let multiple = Self.multiple(cells[consumedUnit]) else { return nil }
            return wholeUnits(amount, times: multiple)
        }

        /// `picos` (10⁻¹² units) × `times`, in whole units rounded half up.
        func wholeUnits(_ picos: Int128, times: Int128) -> Int128? {
            // Room for the half unit added to round: the product stays below Int128.max − 10¹².
            guard times > 0, picos.magnitude < (UInt128(Int128.max) - 1_000_000_000_000) / UInt128(times) else { return nil }
            let product = picos * times
            return (product + (product >= 0 ? 500_000_000_000 : -500_000_000_000)) / 1_000_000_000_000
        }

        /// The multiple a unit names: `Tokens`, `Units` 1; `1K`, `1K Tokens`, `1000 Tokens` 1,000;
        /// `1M`, `1M Tokens`, `1000000 Tokens` 1,000,000; `1 Hour`, `Hours` 1 (hours). nil otherwise.
        static func multiple(_ unit: String) -> Int128? {
            let words = unit.split(separator: " ")
            guard let first = words.first else { return nil }
            let known: Set<String> = ["tokens", "token", "units", "unit", "hour", "hours", "images", "image", "characters"]
            if words.count == 1, known.contains(first.lowercased()) { return 1 }
            guard words.count <= 2, words.count == 1 || known.contains(words[1].lowercased()) else { return nil }
            switch first.uppercased() {
            case "1K": return 1_000
            case "1M": return 1_000_000
            default: return Int128(first).flatMap { $0 > 0 ? $0 : nil }
            }
        }
    }
}
