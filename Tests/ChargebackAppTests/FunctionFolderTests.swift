import ChargebackApp
import Foundation
import FunctionsProtocol
import Testing
import TestSupport

/// function.json and the Swift types must agree: one folder, one type.
@Suite("functions/ folders match the Swift function types")
struct FunctionFolderTests {
    func metadata(_ name: String) throws -> FunctionMetadata {
        let path = TestEnvironment.repositoryRoot + "/functions/\(name)/function.json"
        return try FunctionMetadata.parse(name: name, json: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test("HTTP functions", arguments: [
        (IngestFunction.name, IngestFunction.route, IngestFunction.methods, FunctionMetadata.AuthLevel.function),
        (UsageSummaryFunction.name, UsageSummaryFunction.route, UsageSummaryFunction.methods, .function),
        (ChargebackReportFunction.name, ChargebackReportFunction.route, ChargebackReportFunction.methods, .function),
        (HealthFunction.name, HealthFunction.route, HealthFunction.methods, .anonymous),
        (BudgetStatusFunction.name, BudgetStatusFunction.route, BudgetStatusFunction.methods, .function),
        (MetricsFunction.name, MetricsFunction.route, MetricsFunction.methods, .function),
        (OwnerFunction.name, OwnerFunction.route, OwnerFunction.methods, .function),
        (RelayFunction.name, RelayFunction.route, RelayFunction.methods, .function),
    ])
    func http(name: String, route: String, methods: [String], authLevel: FunctionMetadata.AuthLevel) throws {
        let function = try metadata(name)
        guard case let .http(trigger) = function.trigger else { Issue.record("\(name) is not HTTP"); return }
        #expect(trigger.route == route)
        #expect(trigger.methods == methods)
        #expect(trigger.authLevel == authLevel)
        #expect(trigger.bindingName == "req")
        #expect(function.httpOutputBinding == "res")
        #expect(function.isHTTPInAndOut)
    }

    @Test("the rollup timer runs daily at 00:15 UTC")
    func rollup() throws {
        guard case let .timer(trigger) = try metadata(RollupFunction.name).trigger else { Issue.record("rollup is not a timer"); return }
        #expect(trigger.bindingName == RollupFunction.bindingName)
        #expect(trigger.schedule == "0 15 * * * *")
    }

    @Test("the budget check runs every 5 minutes")
    func budgetCheck() throws {
        guard case let .timer(trigger) = try metadata(BudgetCheckFunction.name).trigger else { Issue.record("budget-check is not a timer"); return }
        #expect(trigger.bindingName == BudgetCheckFunction.bindingName)
        #expect(trigger.schedule == "0 */5 * * * *")
    }

    @Test("there is no folder without a type")
    func noStrayFolders() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: TestEnvironment.repositoryRoot + "/functions").sorted()
        #expect(folders == ["budget-check", "budget-status", "chargeback-report", "health", "ingest", "metrics", "owner", "relay", "rollup", "usage-summary"])
    }
}
