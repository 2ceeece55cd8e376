import CivilCalendar

extension PriceBookFile {
    /// A `provisioned` entry as written (docs/price-book.md).
    struct ProvisionedEntry: Decodable {
        var deployment: String
        var effectiveFrom: String
        var effectiveTo: String?
        var version: String?
        var ptus: Int64
        var perPTUHour: PriceText
        var tokensPerPTUHour: Int64
        var outputTokenWeight: Int64
        var unused: String
        var owner: String

        enum CodingKeys: String, CodingKey {
            case deployment, effectiveFrom, effectiveTo, version, ptus, perPTUHour, tokensPerPTUHour, outputTokenWeight, unused, owner
        }

        func provisioning(at location: String, deployments: [String: DeploymentInfo]) throws(ConfigurationFileError) -> Provisioning {
            guard let info = deployments[deployment] else {
                throw ConfigurationFileError("price book: \(location): deployment '\(deployment)' is not in deployments")
            }
            guard info.deploymentType.contains("Provisioned") else {
                throw ConfigurationFileError("price book: \(location): deployment '\(deployment)' is \(info.deploymentType), not a provisioned type")
            }
            let (from, to) = try PriceBookFile.period(effectiveFrom, effectiveTo, at: location)
            guard (1...1_000_000).contains(ptus) else { throw ConfigurationFileError("price book: \(location): ptus must be 1…1000000") }
            guard (1...1_000_000_000_000).contains(tokensPerPTUHour) else {
                throw ConfigurationFileError("price book: \(location): tokensPerPTUHour must be 1…10^12")
            }
            guard (1...1000).contains(outputTokenWeight) else { throw ConfigurationFileError("price book: \(location): outputTokenWeight must be 1…1000") }
            guard !owner.isEmpty, !owner.contains("|") else { throw ConfigurationFileError("price book: \(location): owner must name a cost center") }
            let unusedPolicy: Provisioning.Unused
            switch unused {
            case "owner": unusedPolicy = .owner(owner)
            case "pro-rata": unusedPolicy = .proRata(owner: owner)
            default: throw ConfigurationFileError("price book: \(location): unused must be 'owner' or 'pro-rata'")
            }
            return Provisioning(deployment: deployment, effectiveFrom: from, effectiveTo: to, version: version ?? "\(deployment)/ptu@\(from)", ptus: ptus,
                                microsPerPTUHour: try perPTUHour.micros(at: "\(location).perPTUHour"), tokensPerPTUHour: tokensPerPTUHour,
                                outputTokenWeight: outputTokenWeight, unused: unusedPolicy)
        }
    }
}

extension PriceBook {
    /// Two entries for one deployment must not be in force on the same day.
    static func checkOverlaps(_ entries: [Provisioning]) throws(ConfigurationFileError) {
        try checkOverlaps(entries, what: "provisioned", group: \.deployment, period: { ($0.effectiveFrom, $0.effectiveTo, $0.version) })
    }

    /// The provisioning in force for `deployment` on `day`, if any.
    public func provisioning(deployment: String, on day: CivilDay) -> Provisioning? {
        provisioned.first { $0.deployment == deployment && $0.isEffective(on: day) }
    }
}
