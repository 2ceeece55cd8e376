import CivilCalendar

/// An Azure Cost Management FOCUS cost export (CSV; dataset 1.0, 1.0r2 or 1.2-preview, whose
/// columns are listed in Microsoft's "FOCUS cost and usage details" schema), read for one Azure
/// OpenAI account: its Usage rows, per day and meter.
///
/// Read as Microsoft writes it: `ResourceId` lowercased (compared without case); `ChargePeriodStart`
/// `2024-01-01T00:00Z` (1.0) or `2024-01-01T00:00:00Z` (1.0r2), daily; the meter in `SkuMeter`
/// (1.2-preview) or `x_SkuMeterName` (1.0); the quantity as `PricingQuantity` blocks of
/// `x_PricingBlockSize` units where the block size is given, else `ConsumedQuantity` in
/// `ConsumedUnit` (`1K`, `1M`, `Tokens`, `Units`…). Amounts may carry any number of decimals or an
/// exponent; they are read exactly and rounded to the pico.
public struct CostExport: Sendable {
    /// One Usage row of the account.
    public struct Row: Sendable {
        public var day: CivilDay
        public var meterName: String
        /// In the meter's own unit (tokens, images…); nil when the export's unit cannot be read.
        public var quantity: Int128?
        public var cost: Money
    }

    /// Why an export was refused.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case table(CSVTable.Problem)
        case missingColumn(String)
        case badCell(row: Int, column: String)
        case currency(found: String, expected: String)
        case tooLarge
        case noRows(resource: String, otherRows: Int)

        public var description: String {
            switch self {
            case let .table(problem): return "not a readable CSV: \(problem)"
            case let .missingColumn(name): return "the column \(name) is missing: is this a FOCUS cost export?"
            case let .badCell(row, column): return "the account's row \(row): \(column) is not what a FOCUS export holds there"
            case let .currency(found, expected): return "the export is billed in \(found), the price book in \(expected)"
            case .tooLarge: return "its amounts add up to more than 10¹⁸: not an invoice"
            case let .noRows(resource, otherRows):
                return "no row is of \(resource) (\(otherRows) rows of other resources): give the Azure OpenAI account's resource id (--resource or CHARGEBACK_OPENAI_RESOURCE_ID)"
            }
        }
    }

    public var rows: [Row]
    /// Rows of other resources, skipped.
    public var otherRows: Int
    /// The account's rows that are not Usage (Purchase, Tax, Credit, Adjustment), by category: not
    /// compared, only reported.
    public var notCompared: [String: Money]

    /// Reads `bytes`; `resourceId` is the Azure OpenAI account, `costColumn` `BilledCost` (what the
    /// invoice says) or `EffectiveCost` (with commitments amortized).
    public init(bytes: [UInt8], resourceId: String, costColumn: String, currency: String) throws(Problem) {
        let account = resourceId.lowercased()
        func isAccount(_ id: String) -> Bool {
            let lowered = id.lowercased()
            return lowered == account || lowered.hasPrefix(account + "/")
        }
        let table: CSVTable
        var otherRows = 0
        do {
            table = try CSVTable(bytes: bytes) { index, cells in
                guard let position = index["ResourceId"] else { return true }
                if isAccount(cells[position]) { return true }
                otherRows += 1
                return false
            }
        } catch let problem as CSVTable.Problem {
            throw .table(problem)
        } catch {
            throw .table(.empty)
        }
        func column(_ name: String) throws(Problem) -> Int {
            guard let position = table.position(of: name) else { throw .missingColumn(name) }
            return position
        }
        _ = try column("ResourceId")
        let start = try column("ChargePeriodStart"), category = try column("ChargeCategory")
        let cost = try column(costColumn), billingCurrency = try column("BillingCurrency")
        guard let meter = table.position(of: "SkuMeter") ?? table.position(of: "x_SkuMeterName") else { throw .missingColumn("SkuMeter (or x_SkuMeterName)") }
        let units = Units(table)
        var rows: [Row] = []
        var notCompared: [String: Money] = [:]
        // Each amount is below 10²⁴; their sum is bounded too, so no total of the export can overflow.
        var magnitude: UInt128 = 0
        for (offset, cells) in table.rows.enumerated() {
            // The rows of other resources are not kept, so this is the row's place among the account's.
            let line = offset + 1
            guard cells[billingCurrency] == currency else { throw .currency(found: cells[billingCurrency], expected: currency) }
            guard let picos = InvoiceNumber.picos(cells[cost]) else { throw .badCell(row: line, column: costColumn) }
            let amount = Money(picos: picos)
            magnitude += picos.magnitude
            guard magnitude <= 1_000_000_000_000_000_000_000_000_000_000 else { throw .tooLarge }
            guard cells[category] == "Usage" else {
                notCompared[cells[category], default: .zero] += amount
                continue
            }
            guard let day = CivilDay.parse(String(cells[start].prefix(10))) else { throw .badCell(row: line, column: "ChargePeriodStart") }
            rows.append(Row(day: day, meterName: cells[meter], quantity: units.quantity(cells), cost: amount))
        }
        guard !table.rows.isEmpty else { throw .noRows(resource: account, otherRows: otherRows) }
        self.rows = rows
        self.otherRows = otherRows
        self.notCompared = notCompared
    }
}
