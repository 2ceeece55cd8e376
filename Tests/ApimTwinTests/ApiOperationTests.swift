import ApimTwin
import Foundation
import Testing
import TestSupport

@Suite("APIM twin: the API's operations are Terraform's allow-list")
struct ApiOperationTests {
    /// `locals.metered_operations` of `infrastructure/apim-operations.tf`: `"id" = "METHOD template"` lines.
    func terraformOperations() throws -> [String: String] {
        let terraform = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/infrastructure/apim-operations.tf", encoding: .utf8)
        let start = try #require(terraform.range(of: "metered_operations = {"))
        // The map ends at the first line that is only a closing brace.
        let rest = terraform[start.upperBound...]
        let block = rest[..<(rest.range(of: "\n  }\n")?.lowerBound ?? rest.endIndex)]
        var operations: [String: String] = [:]
        for match in block.matches(of: /"([a-z0-9-]+)"\s*=\s*"([A-Z]+ [^"]+)"/) {
            operations[String(match.1)] = String(match.2)
        }
        return operations
    }

    @Test("operation ids are Terraform's")
    func operations() throws {
        let terraform = try terraformOperations()
        let twin = Dictionary(uniqueKeysWithValues: ApiOperations.metered.map { ($0.id, "\($0.method) \($0.template)") })
        #expect(terraform.count >= 40)
        #expect(twin == terraform)
        for (method, path, id) in [("POST", "/openai/deployments/d/chat/completions", "chat-completions"), ("POST", "/openai/responses", "responses-create"),
                                   ("GET", "/openai/responses/resp_1", "responses-get"), ("POST", "/openai/v1/chat/completions", "v1-chat-completions"),
                                   ("GET", "/openai/v1/files/file-1/content", "v1-files-content"), ("POST", "/openai/batches/batch_1/cancel", "batches-cancel"),
                                   ("POST", "/openai/deployments/d/audio/speech/", "audio-speech")] {
            #expect(Envelope.operationId(method: method, path: path) == id, "\(method) \(path)")
        }
    }

    @Test("the OpenAI-style API is Terraform's: /api/v1/openai/chat/completions goes to Azure OpenAI's v1 path")
    func compat() throws {
        let terraform = try String(contentsOfFile: TestEnvironment.repositoryRoot + "/infrastructure/apim-compat.tf", encoding: .utf8)
        var declared: [String: String] = [:]
        for match in terraform.matches(of: /"([a-z0-9-]+)"\s*=\s*\{\s*route\s*=\s*"([A-Z]+ [^"]+)",\s*backend\s*=\s*"([^"]+)"\s*\}/) {
            declared[String(match.1)] = "\(match.2) -> /openai\(match.3)"
        }
        let twin = Dictionary(uniqueKeysWithValues: ApiOperations.compat.map { ("\($0.operation.id)", "\($0.operation.method) \($0.operation.template) -> /openai\($0.backend)") })
        #expect(!declared.isEmpty && twin == declared)
        let route = try #require(ApiOperations.route(method: "POST", path: "/api/v1/openai/chat/completions"))
        #expect(route.operation.id == "compat-chat-completions" && route.upstreamPath == "/openai/v1/chat/completions")
        #expect(Envelope.operationId(method: "POST", path: "/API/v1/OpenAI/chat/completions/") == "compat-chat-completions")
        // The azure-openai API's paths are unchanged; the OpenAI-style API serves chat completions only.
        #expect(ApiOperations.route(method: "POST", path: "/openai/v1/chat/completions")?.upstreamPath == "/openai/v1/chat/completions")
        for (method, path) in [("GET", "/api/v1/openai/chat/completions"), ("POST", "/api/v1/openai/embeddings"), ("POST", "/api/v1/openai/v1/chat/completions"),
                               ("POST", "/api/v1/openai//chat/completions"), ("POST", "/api/v2/openai/chat/completions"), ("POST", "/api/v1/openai")] {
            #expect(ApiOperations.route(method: method, path: path) == nil, "\(method) \(path)")
        }
    }

    @Test("anything not in the allow-list is APIM's 404: listings, unmetered families, wildcards")
    func notAllowed() {
        for (method, path) in [("GET", "/openai/v1/files"), ("GET", "/openai/files"), ("GET", "/openai/v1/batches"), ("GET", "/openai/batches"),
                               ("GET", "/openai/v1/models"), ("POST", "/openai/v1/fine_tuning/jobs"), ("POST", "/openai/v1/vector_stores"),
                               ("POST", "/openai/assistants"), ("POST", "/openai/deployments/d/extensions/chat/completions"),
                               ("GET", "/openai/deployments/d/chat/completions"), ("GET", "/openai/v1/files//content"),
                               ("POST", "/openai/v1/chat/completions/extra"), ("PUT", "/openai/v1/files/file-1"), ("POST", "/v1/chat/completions")] {
            #expect(ApiOperations.match(method: method, path: path) == nil, "\(method) \(path)")
        }
    }
}
