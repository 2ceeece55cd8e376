import ChargebackApp
import FunctionsProtocol
import Testing

/// The key a request presents, read as Azure's host reads it: any case of the header name or the
/// `code` query key, exactly one value, no comma.
@Suite("the presented key: one value, in any case of its name")
struct PresentedKeyTests {
    let roles = KeyRoles(ingest: [KeyRoles.hash(TestKeys.ingest)], fullReport: [KeyRoles.hash(TestKeys.report)], costCenters: nil)

    func caller(headers: [(name: String, value: String)] = [], query: [(name: String, value: String)] = []) -> Result<Caller, AccessDenial> {
        roles.caller(of: FunctionRequest(method: "POST", path: "/api/v1/ingest", query: query, headers: headers), for: .ingest)
    }

    @Test("the header and the query key are found whatever the case of their names")
    func anyCase() {
        for name in ["x-functions-key", "X-Functions-Key", "X-FUNCTIONS-KEY"] {
            #expect(caller(headers: [(name, TestKeys.ingest)]) == .success(.ingest), "header \(name)")
        }
        for name in ["code", "Code", "CODE"] {
            #expect(caller(query: [(name, TestKeys.ingest)]) == .success(.ingest), "query \(name)")
        }
    }

    @Test("names that only look alike are not the key: no key is presented")
    func lookalikes() {
        // Same length and differing only in a non-ASCII byte, too: "cöd" is 4 bytes, as is "code".
        for name in ["x-functions-keys", "x-functions-ke", "x_functions_key", "x-functions-kéy", "codes", "cod", "cöd", "x-functions-\u{212A}ey"] {
            #expect(caller(headers: [(name, TestKeys.ingest)], query: [(name, TestKeys.ingest)]) == .failure(.missing), "\(name)")
        }
    }

    @Test("two values, header and query, or a comma: refused as ambiguous, never one of them picked")
    func ambiguous() {
        #expect(caller(headers: [("x-functions-key", TestKeys.ingest), ("X-Functions-Key", TestKeys.ingest)]) == .failure(.ambiguous))
        #expect(caller(headers: [("x-functions-key", TestKeys.ingest)], query: [("CODE", TestKeys.ingest)]) == .failure(.ambiguous))
        #expect(caller(headers: [("x-functions-key", TestKeys.ingest + ",x")]) == .failure(.ambiguous))
        #expect(caller(query: [("code", TestKeys.ingest), ("code", TestKeys.ingest)]) == .failure(.ambiguous))
    }

    @Test("a key of another role is refused with 403, an empty one as missing")
    func otherRoles() {
        #expect(caller(headers: [("x-functions-key", TestKeys.report)]) == .failure(.wrongRole))
        #expect(caller(headers: [("x-functions-key", "")]) == .failure(.missing))
    }
}
