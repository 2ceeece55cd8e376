import CivilCalendar

/// The calendar month a budget counts in: from local midnight of its first day to local midnight of
/// the next month's first day, in the budget book's zone. The zone comes in as `offsetSeconds`, the
/// UTC offset in force at an instant (seconds since the epoch), so this code needs no time-zone data.
public struct BudgetPeriod: Sendable, Hashable {
    /// The local month.
    public let month: CivilMonth
    /// The UTC instant (seconds since the epoch) of local midnight starting the month, included.
    public let startSeconds: Int64
    /// The UTC instant of local midnight starting the next month, excluded.
    public let endSeconds: Int64

    /// A period from its bounds; `containing(_:offsetSeconds:)` and `month(_:offsetSeconds:)` compute them.
    public init(month: CivilMonth, startSeconds: Int64, endSeconds: Int64) {
        self.month = month
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
    }

    /// `2026-11`: the period's part of every budget alert's once-key.
    public var id: String { month.description }

    /// The month's length in seconds (shorter or longer by an hour in a month with a DST change).
    public var lengthSeconds: Int64 { endSeconds - startSeconds }

    /// The month containing `secondsSinceEpoch` in the zone whose offset `offsetSeconds` gives.
    public static func containing(_ secondsSinceEpoch: Int64, offsetSeconds: (Int64) -> Int) -> BudgetPeriod {
        let local = secondsSinceEpoch + Int64(offsetSeconds(secondsSinceEpoch))
        let day = CivilDay(daysSinceEpoch: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        let period = month(day.month, offsetSeconds: offsetSeconds)
        // A zone that changes its offset at midnight can put the instant just outside the month its
        // own offset named; the bounds, each computed with the offset in force there, decide.
        if secondsSinceEpoch < period.startSeconds {
            return month(period.month.firstDay.adding(days: -1).month, offsetSeconds: offsetSeconds)
        }
        if secondsSinceEpoch >= period.endSeconds {
            return month(period.month.lastDay.adding(days: 1).month, offsetSeconds: offsetSeconds)
        }
        return period
    }

    /// The period of `month` in the zone whose offset `offsetSeconds` gives.
    public static func month(_ month: CivilMonth, offsetSeconds: (Int64) -> Int) -> BudgetPeriod {
        let next = month.lastDay.adding(days: 1)
        return BudgetPeriod(month: month, startSeconds: localMidnight(of: month.firstDay, offsetSeconds: offsetSeconds),
                            endSeconds: localMidnight(of: next, offsetSeconds: offsetSeconds))
    }

    /// The UTC instant of local midnight starting `day`: guessed with the offset at UTC midnight, then
    /// settled once with the offset in force at the guess (the two differ only next to a DST change).
    static func localMidnight(of day: CivilDay, offsetSeconds: (Int64) -> Int) -> Int64 {
        let midnight = day.startSecondsSinceEpoch
        let guess = midnight - Int64(offsetSeconds(midnight))
        return midnight - Int64(offsetSeconds(guess))
    }

    /// Seconds of the period elapsed at `secondsSinceEpoch`, within 0…`lengthSeconds`.
    public func elapsedSeconds(at secondsSinceEpoch: Int64) -> Int64 {
        min(max(secondsSinceEpoch - startSeconds, 0), lengthSeconds)
    }

    /// The share of the period elapsed at `secondsSinceEpoch`, in 0…1 (for display; amounts use `elapsedSeconds`).
    public func elapsedFraction(at secondsSinceEpoch: Int64) -> Double {
        guard lengthSeconds > 0 else { return 1 }
        return Double(elapsedSeconds(at: secondsSinceEpoch)) / Double(lengthSeconds)
    }
}
