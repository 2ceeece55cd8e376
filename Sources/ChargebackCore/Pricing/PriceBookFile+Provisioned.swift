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
            guard let from = CivilDay.parse(effectiveFrom) else {
                throw ConfigurationFileError("price book: \(location): effectiveFrom '\(effectiveFrom)' is not a YYYY-MM-DD date")
            }
            var to: CivilDay?
            if let effectiveTo {
                guard let day = CivilDay.parse(effectiveTo), day > from else {
                    throw ConfigurationFileError("price book: \(location): effectiveTo '\(effectiveTo)' must be a YYYY-MM-DD date after effectiveFrom")
                }
                to = day
            }
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
        for group in Dictionary(grouping: entries, by: \.deployment).values {
            let ordered = group.sorted { $0.effectiveFrom < $1.effectiveFrom }
            for (earlier, later) in zip(ordered, ordered.dropFirst()) where earlier.effectiveTo.map({ $0 > later.effectiveFrom }) ?? true {
                throw ConfigurationFileError("price book: provisioned '\(earlier.version)' and '\(later.version)' overlap; give the earlier one an effectiveTo on or before \(later.effectiveFrom)")
            }
        }
    }

    /// The provisioning in force for `deployment` on `day`, if any.
    public func provisioning(deployment: String, on day: CivilDay) -> Provisioning? {
        provisioned.first { $0.deployment == deployment && $0.isEffective(on: day) }
    }
}
