import CivilCalendar

extension FocusExport {
    /// Reconciliation true-ups as FOCUS rows, with the same columns as the usage export so both can
    /// be read as one dataset: `ChargeCategory` `Adjustment` (FOCUS: "modifications to billing
    /// data"), no quantity or unit price (FOCUS requires them only on Usage and Purchase rows), the
    /// amount in every cost column, `x_ChargeStatus` `true-up` and `x_TrueUpReason` the reason
    /// (`outside-apim`, `over-counted`, `price-drift`, `ptu`, `unmapped-meter`).
    public static func renderTrueUps(_ trueUps: [Reconciliation.TrueUp], currency: String, costCenters: CostCenters, context: Context) -> String {
        (focusColumns + customColumns).joined(separator: ",") + "\r\n"
            + trueUpRows(trueUps, currency: currency, costCenters: costCenters, context: context, revisions: [:], stale: [], unpricedLines: 0)
    }

    /// The rows alone; `revisions` gives the snapshot revision each day's true-ups were computed from
    /// (`x_SnapshotRevision`), `stale` the days rolled up again since (`x_ChargeStatus`
    /// `true-up-stale`), `unpricedLines` the dataset's count.
    static func trueUpRows(_ trueUps: [Reconciliation.TrueUp], currency: String, costCenters: CostCenters, context: Context,
                           revisions: [CivilDay: Int], stale: Set<CivilDay>, unpricedLines: Int) -> String {
        var out = ""
        for trueUp in trueUps {
            let key = trueUp.key
            let model = key.model.isEmpty ? "unlisted" : key.model
            let resourceId = trueUp.deployment.isEmpty ? context.openAIResourceId : context.openAIResourceId + "/deployments/" + trueUp.deployment
            let amount = trueUp.amount.exactText
            let description = "True-up (\(trueUp.reason.rawValue)) of \(meterName(key.meter)) on \(model) \(key.deploymentType), \(key.day)"
            let cells = [
                amount, context.billingAccountId, context.billingAccountName, currency,
                instant(key.day.month.lastDay.adding(days: 1)), instant(key.day.month.firstDay), "Adjustment",
                "", description, "One-Time", instant(key.day.adding(days: 1)), instant(key.day), "", "",
                amount, "", amount, context.invoiceIssuer, amount, "", "",
                "", "", "Microsoft", "Microsoft", resourceId, trueUp.deployment.isEmpty ? "account" : trueUp.deployment,
                trueUp.deployment.isEmpty ? "Azure OpenAI account" : "Azure OpenAI deployment",
                "AI and Machine Learning", "Azure OpenAI", "Generative AI", "", "", "",
                trueUp.subscription, trueUp.subscription,
                trueUp.subscription, trueUp.costCenter, costCenters.centers[trueUp.costCenter]?.name ?? trueUp.costCenter, trueUp.deployment, key.model,
                key.meter, "", "true-up", revisions[key.day].map(String.init) ?? "", stale.contains(key.day) ? "true-up-stale" : "true-up", String(unpricedLines), trueUp.reason.rawValue,
            ]
            out += csvLine(cells)
        }
        return out
    }
}
