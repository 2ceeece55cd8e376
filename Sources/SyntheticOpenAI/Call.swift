/// What every responder needs besides its request body: the route, the body hash and the model mapping.
struct Call: Sendable {
    /// The matched endpoint and path deployment.
    let route: Route
    /// FNV-1a of the request body.
    let hash: UInt64
    /// The `api-version` query value, for error messages.
    let apiVersion: String
    /// The model version reported for a deployment.
    let modelForDeployment: @Sendable (String) -> String
    /// The request's nonce, mixed into identifiers only.
    var nonce: UInt64 = 0

    /// The Unix time every object of this call reports: a fixed day plus the hash's second of it.
    var created: Int { 1_764_489_600 + Int(hash % 86_400) }

    /// The deployment: the path's, else the body's `model`; a 400 when neither names one.
    func deployment(bodyModel: String?) throws(UpstreamError) -> String {
        if let deployment = route.deployment { return deployment }
        guard let bodyModel, !bodyModel.isEmpty else {
            throw .invalidRequest(message: "Missing required parameter: 'model'.", parameter: "model")
        }
        return bodyModel
    }

    /// Identifiers derived from the body hash and the nonce.
    var ids: Identifiers { Identifiers(hash: hash ^ nonce) }

    /// A system fingerprint stable per model, as `fp_ee1d74bde0`.
    static func fingerprint(model: String) -> String {
        let hash = TokenRules.hash(model.utf8)
        let digits = Array("0123456789abcdef")
        return "fp_" + String((0..<10).map { digits[Int((hash >> (UInt64($0) * 4)) & 0xF)] })
    }
}
