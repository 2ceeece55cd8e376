import CivilCalendar

/// The chargeback as a FOCUS 1.2 dataset (FinOps Open Cost and Usage Specification, tag v1.2,
/// commit 7296e31; the column rules `scripts/lib/check_focus.py` checks it against are derived from
/// the spec's own column files: `scripts/lib/focus-1.2-columns.json`). One row per charge line and
/// day: a meter (input, cached input, output… tokens; images; audio; characters) of one deployment
/// used by one APIM subscription. Amounts are exact (every significant digit), never rounded.
///
/// Conventions (FOCUS 1.2 prescribes none for AI usage; these follow its Unit Format and the
/// working group's drafts): `ServiceCategory` `AI and Machine Learning`, `ServiceSubcategory`
/// `Generative AI`; a token meter's `ConsumedUnit` is `Tokens` and its `PricingUnit`
/// `1000000 Tokens`; `SkuMeter` names the meter; the APIM subscription is the sub account.
///
/// Unpriced usage (a deployment or meter the price book does not price) cannot be left at a null
/// `BilledCost`, and 0 would read as free. Its rows are `ChargeCategory` `Usage` with every cost and
/// unit price at **the highest price the book has for that meter** (a ceiling, so never cheaper than
/// any priced model), `PricingCategory` `Other`, `x_PriceStatus` `unpriced-ceiling` and
/// `x_PriceVersion` `ceiling`: valid FOCUS, visibly provisional, and replaced by a repriced revision
/// once the book covers it. A meter no model is priced for at all keeps 0 with `x_PriceStatus`
/// `unpriced-no-ceiling`, and the export's `x_UnpricedLines` count says so on every row.
///
/// True-ups applied from the invoice reconciliation follow as `Adjustment` rows (`x_PriceStatus`
/// and `x_ChargeStatus` `true-up`, or `true-up-stale` for a day rolled up again since its
/// reconciliation): the priced rows add up to the report's `exactTotal`, the true-up rows to its
/// `exactTrueUpTotal`.
public enum FocusExport {
    /// Who issues the chargeback and what it is charged on (`CHARGEBACK_FOCUS_*`, Terraform sets them).
    public struct Context: Sendable {
        /// The Azure OpenAI account's resource id; a row's ResourceId is it plus `/deployments/<name>`.
        public var openAIResourceId: String
        public var billingAccountId: String
        public var billingAccountName: String
        public var invoiceIssuer: String

        public init(openAIResourceId: String, billingAccountId: String, billingAccountName: String, invoiceIssuer: String) {
            self.openAIResourceId = openAIResourceId
            self.billingAccountId = billingAccountId
            self.billingAccountName = billingAccountName
            self.invoiceIssuer = invoiceIssuer
        }
    }

    public static let focusColumns = [
        "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
        "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit",
        "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
        "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
        "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceId", "SubAccountId", "SubAccountName",
    ]
    public static let customColumns = [
        "x_ApimSubscriptionId", "x_CostCenter", "x_CostCenterName", "x_Deployment", "x_Model", "x_Meter", "x_PriceVersion", "x_PriceStatus",
        "x_SnapshotRevision", "x_ChargeStatus", "x_UnpricedLines", "x_TrueUpReason",
    ]

    /// The CSV (RFC 4180, CRLF): FOCUS columns, then the custom ones; an empty cell is null.
    public static func render(_ report: ChargebackReport, context: Context, ceilings: [String: (micros: Int64, version: String)]) -> String {
        var out = (focusColumns + customColumns).joined(separator: ",") + "\r\n"
        let unpricedLines = report.segments.reduce(0) { $0 + $1.lines.unpricedCount }
        for segment in report.segments.sorted(by: { $0.from < $1.from }) {
            for line in segment.lines.sorted(by: ChargeLine.order) {
                out += csvLine(row(line, segment: segment, report: report, context: context, ceilings: ceilings, unpricedLines: unpricedLines))
            }
        }
        // The true-ups applied from the invoice reconciliation, as Adjustment rows (`renderTrueUps`).
        let revisions = Dictionary(report.reconciled.map { ($0.day, $0.snapshotRevision) }, uniquingKeysWith: { first, _ in first })
        return out + trueUpRows(report.trueUps, currency: report.currency, costCenters: report.costCenters, context: context,
                                revisions: revisions, stale: Set(report.staleReconciliations), unpricedLines: unpricedLines)
    }

    static func row(_ line: ChargeLine, segment: ChargebackReport.Segment, report: ChargebackReport, context: Context,
                    ceilings: [String: (micros: Int64, version: String)], unpricedLines: Int) -> [String] {
        let key = line.key
        let unit = key.unit
        let ceiling = key.price == nil ? ceilings[key.meter] ?? (key.meter.hasPrefix("image:") ? ceilings["image"] : nil) : nil
        let micros = key.price?.micros ?? ceiling?.micros
        let cost = micros.map { unit.cost(quantity: line.quantity, micros: $0) } ?? .zero
        let status = key.price != nil ? "priced" : (ceiling != nil ? "unpriced-ceiling" : "unpriced-no-ceiling")
        let version = key.price?.version ?? (ceiling != nil ? "ceiling" : "")
        let meterName = Self.meterName(key.meter)
        let skuId = "\(key.model.isEmpty ? "unlisted" : key.model)/\(key.meter)"
        let center = report.costCenters.centers[key.costCenter]?.name ?? key.costCenter
        let deploymentId = context.openAIResourceId + "/deployments/" + key.deployment
        let costText = cost.exactText
        let unitPrice = micros.map { DecimalText.text(micros: $0) } ?? "0"
        return [
            costText, context.billingAccountId, context.billingAccountName, report.currency,
            instant(segment.from.month.lastDay.adding(days: 1)), instant(segment.from.month.firstDay), "Usage",
            "", "\(meterName) of \(key.deployment) (\(key.model.isEmpty ? "model not in the price book" : key.model)), \(segment.from)", unit == .ptuHour ? "Recurring" : "Usage-Based",
            instant(segment.to.adding(days: 1)), instant(segment.from), consumedQuantity(line.quantity, unit), consumedUnit(unit),
            costText, unitPrice, costText, context.invoiceIssuer, costText, unitPrice, key.price == nil ? "Other" : (unit == .ptuHour ? "Committed" : "Standard"),
            pricingQuantity(line.quantity, unit), pricingUnit(unit), "Microsoft", "Microsoft", deploymentId, key.deployment, "Azure OpenAI deployment",
            "AI and Machine Learning", "Azure OpenAI", "Generative AI", skuId, meterName, skuId + "@" + (version.isEmpty ? "none" : version),
            key.subscription, key.subscription,
            key.subscription, key.costCenter, center, key.deployment, key.model, key.meter, version, status,
            segment.revision.map(String.init) ?? "", segment.isProvisional ? "provisional" : "final", String(unpricedLines), "",
        ]
    }

    /// The highest price per meter in the book: what unpriced usage of that meter is shown at.
    public static func ceilings(_ book: PriceBook) -> [String: (micros: Int64, version: String)] {
        var result: [String: (micros: Int64, version: String)] = [:]
        func offer(_ name: String, _ micros: Int64) {
            if micros > (result[name]?.micros ?? -1) { result[name] = (micros, "ceiling") }
        }
        for set in book.priceSets {
            for (meter, micros) in set.prices { offer(meter.name, micros) }
            for micros in set.imagePrices.values { offer("image", micros) }
        }
        return result
    }

    static func instant(_ day: CivilDay) -> String { "\(day)T00:00:00Z" }

    /// One CRLF-terminated row: numeric columns as they are, every other cell as guarded text.
    static func csvLine(_ cells: [String]) -> String {
        cells.indices.map { numericColumns.contains($0) ? cells[$0] : ReportCSV.text(cells[$0]) }.joined(separator: ",") + "\r\n"
    }

    /// The columns written as they are (a FOCUS Decimal may start with `-`); every other cell is text,
    /// quoted and formula-safe as in every report, whatever it looks like (a deployment named `-1-1`).
    static let numericColumns: Set<Int> = Set(
        ["BilledCost", "ConsumedQuantity", "ContractedCost", "ContractedUnitPrice", "EffectiveCost", "ListCost", "ListUnitPrice", "PricingQuantity",
         "x_SnapshotRevision", "x_UnpricedLines"].compactMap { (focusColumns + customColumns).firstIndex(of: $0) })

    static func consumedUnit(_ unit: PricingUnit) -> String {
        switch unit {
        case .millionTokens: return "Tokens"
        case .image: return "Images"
        case .minute: return "Seconds"
        case .millionCharacters: return "Characters"
        case .ptuHour: return "PTU-Hours"
        }
    }

    static func pricingUnit(_ unit: PricingUnit) -> String {
        switch unit {
        case .millionTokens: return "1000000 Tokens"
        case .image: return "Images"
        case .minute: return "Minutes"
        case .millionCharacters: return "1000000 Characters"
        case .ptuHour: return "PTU-Hours"
        }
    }

    /// Tokens, images and characters as counted; audio in seconds (milliseconds ÷ 1000, exact).
    static func consumedQuantity(_ quantity: Int64, _ unit: PricingUnit) -> String {
        switch unit {
        case .minute: return decimal(Int128(quantity) * 1_000_000_000)
        case .ptuHour: return decimal(Int128(quantity) * 1_000_000)
        default: return String(quantity)
        }
    }

    /// The quantity in pricing units: exact for per-million units; minutes to the pico (12 places).
    static func pricingQuantity(_ quantity: Int64, _ unit: PricingUnit) -> String {
        switch unit {
        case .millionTokens, .millionCharacters, .ptuHour: return decimal(Int128(quantity) * 1_000_000)
        case .image: return String(quantity)
        case .minute:
            // milliseconds ÷ 60,000 in 10⁻¹² units: × 10¹² ÷ 60,000 = × 50,000,000 ÷ 3, half to even.
            let numerator = Int128(quantity) * 50_000_000
            var quotient = numerator / 3
            let remainder = numerator - quotient * 3
            if remainder * 2 > 3 { quotient += 1 }
            return decimal(quotient)
        }
    }

    /// A value given in 10⁻¹² units as FOCUS Decimal text: no exponent, no trailing zeros, no sign but `-`.
    static func decimal(_ units: Int128) -> String {
        var text = Money(picos: units).text(decimals: 12)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// `Input Tokens`, `Cached Input Tokens`, `Images 1024x1024 medium`…
    static func meterName(_ meter: String) -> String {
        switch meter {
        case "input": return "Input Tokens"
        case "cachedInput": return "Cached Input Tokens"
        case "cacheWrite": return "Cache Write Input Tokens"
        case "output": return "Output Tokens"
        case "reasoning": return "Reasoning Tokens"
        case "audioInput": return "Audio Input Tokens"
        case "audioOutput": return "Audio Output Tokens"
        case "imageInput": return "Image Input Tokens"
        case "imageOutput": return "Image Output Tokens"
        case "audio": return "Audio Minutes"
        case "characters": return "Speech Characters"
        case "provisioned": return "Provisioned Throughput Unit Hours"
        default:
            let parts = meter.split(separator: ":")
            return parts.count == 3 && parts[0] == "image" ? "Images \(parts[1]) \(parts[2])" : meter
        }
    }
}
