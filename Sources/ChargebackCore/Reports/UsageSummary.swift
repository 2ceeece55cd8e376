import CivilCalendar

/// Live usage from the hourly counters, grouped by one dimension, in any time zone: each UTC hour is
/// assigned to the local day and hour of its start. Costs come from the same `Pricer` as snapshots
/// (price in force on the hour's UTC day) and are provisional until the day is rolled up.
public struct UsageSummary: Sendable, Encodable {
    /// The totals of one group.
    public struct Group: Sendable, Encodable {
        public var key: String
        public var requests: Int64 = 0
        public var inputTokens: Int64 = 0
        public var cachedInputTokens: Int64 = 0
        public var cacheWriteInputTokens: Int64 = 0
        public var outputTokens: Int64 = 0
        public var reasoningTokens: Int64 = 0
        public var audioInputTokens: Int64 = 0
        public var audioOutputTokens: Int64 = 0
        public var imageInputTokens: Int64 = 0
        public var imageOutputTokens: Int64 = 0
        public var images: Int64 = 0
        public var audioMilliseconds: Int64 = 0
        public var characters: Int64 = 0
        public var errors: Int64 = 0
        public var estimatedRequests: Int64 = 0
        public internal(set) var money = Money.zero
        public var unpricedLines = 0

        /// Exact cost of the priced lines, rounded half to even to six places.
        public var cost: String { money.text(decimals: 6) }

        enum CodingKeys: String, CodingKey {
            case key, requests, inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens, audioInputTokens, audioOutputTokens
            case imageInputTokens, imageOutputTokens, images, audioMilliseconds, characters, errors, estimatedRequests, cost, unpricedLines
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            for (value, codingKey) in [(requests, CodingKeys.requests), (inputTokens, .inputTokens), (cachedInputTokens, .cachedInputTokens),
                                       (cacheWriteInputTokens, .cacheWriteInputTokens),
                                       (outputTokens, .outputTokens), (reasoningTokens, .reasoningTokens), (audioInputTokens, .audioInputTokens),
                                       (audioOutputTokens, .audioOutputTokens), (imageInputTokens, .imageInputTokens),
                                       (imageOutputTokens, .imageOutputTokens), (images, .images), (audioMilliseconds, .audioMilliseconds),
                                       (characters, .characters), (errors, .errors), (estimatedRequests, .estimatedRequests)] {
                try container.encode(value, forKey: codingKey)
            }
            try container.encode(cost, forKey: .cost)
            try container.encode(unpricedLines, forKey: .unpricedLines)
        }

        mutating func add(_ counters: [Counter: Int64], lines: [ChargeLine]) {
            for (counter, value) in counters {
                switch counter {
                case .requests: requests += value
                case let .quantity(quantity): add(value, to: quantity)
                case .images: images += value
                case .errors: errors += value
                case .usageEstimated: estimatedRequests += value
                case .operation, .usageMissing, .ownerUnknown: break
                }
            }
            money += lines.pricedCost
            unpricedLines += lines.unpricedCount
        }

        mutating func add(_ value: Int64, to quantity: Counter.Quantity) {
            switch quantity {
            case .inputTokens: inputTokens += value
            case .cachedInputTokens: cachedInputTokens += value
            case .cacheWriteInputTokens: cacheWriteInputTokens += value
            case .outputTokens: outputTokens += value
            case .reasoningTokens: reasoningTokens += value
            case .audioInputTokens: audioInputTokens += value
            case .audioOutputTokens: audioOutputTokens += value
            case .imageInputTokens: imageInputTokens += value
            case .imageOutputTokens: imageOutputTokens += value
            case .audioMilliseconds: audioMilliseconds += value
            case .characters: characters += value
            }
        }
    }

    public var from: String
    public var to: String
    public var timeZone: String
    public var groupBy: String
    public var currency: String
    public var priceBook: String
    public var illustrativePrices: Bool
    /// Always true: counters are live; final amounts come from the chargeback report.
    public var provisional = true
    public var groups: [Group]
    public var totals: Group

    enum CodingKeys: String, CodingKey {
        case from, to, timeZone, groupBy, currency, priceBook, illustrativePrices, provisional, groups, totals
    }

    /// Groups `usage` for `query`; `offsetSeconds` gives the zone's UTC offset at an instant (seconds since the epoch).
    public init(query: UsageSummaryQuery, usage: [HourlyUsage], pricer: Pricer, offsetSeconds: (Int64) -> Int) {
        from = query.from.description
        to = query.to.description
        timeZone = query.timeZone
        groupBy = query.groupBy.rawValue
        currency = pricer.book.currency
        priceBook = pricer.book.name
        illustrativePrices = pricer.book.isIllustrative
        var byKey: [String: Group] = [:]
        var totals = Group(key: "total")
        var unpriced = Set<Unpriced>()
        for record in usage {
            let start = record.hour * 3600
            let offset = Int64(offsetSeconds(start))
            let local = start + offset
            let localDay = CivilDay(daysSinceEpoch: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
            guard localDay >= query.from, localDay <= query.to else { continue }
            if let subscription = query.subscription, record.subscription != subscription { continue }
            if let deployment = query.deployment, record.deployment != deployment { continue }
            let costCenter = pricer.costCenters.costCenter(of: record.subscription)
            if let wanted = query.costCenter, costCenter != wanted { continue }
            let key: String
            switch query.groupBy {
            case .subscription: key = record.subscription
            case .deployment: key = record.deployment
            case .model: key = pricer.book.deployments[record.deployment]?.model ?? "(not in price book)"
            case .costCenter: key = costCenter
            case .day: key = localDay.description
            case .hour: key = UsageSummary.localHourText(local: local, day: localDay, offset: offset)
            }
            let lines = pricer.lines(subscription: record.subscription, deployment: record.deployment, counters: record.counters,
                                     day: record.day, unpriced: &unpriced)
            byKey[key, default: Group(key: key)].add(record.counters, lines: lines)
            totals.add(record.counters, lines: lines)
        }
        let grouped = Array(byKey.values)
        switch query.groupBy {
        case .day, .hour: groups = grouped.sorted { $0.key < $1.key }
        default: groups = grouped.sorted { ($0.money, $1.key) > ($1.money, $0.key) }
        }
        self.totals = totals
    }

    /// The local start of a UTC hour: `2026-11-30T09:00+01:00`, `2026-12-01T04:30+05:30`.
    static func localHourText(local: Int64, day: CivilDay, offset: Int64) -> String {
        let secondsIntoDay = local - day.daysSinceEpoch * 86_400
        let magnitude = abs(offset) / 60
        let sign = offset < 0 ? "-" : "+"
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(day)T\(two(secondsIntoDay / 3600)):\(two(secondsIntoDay % 3600 / 60))\(sign)\(two(magnitude / 60)):\(two(magnitude % 60))"
    }
}

extension UsageSummary.Group {
    /// Raw counters added up, unpriced (`chargeback inspect`).
    public init(key: String, counters: [Counter: Int64]) {
        self.init(key: key)
        add(counters, lines: [])
    }
}
