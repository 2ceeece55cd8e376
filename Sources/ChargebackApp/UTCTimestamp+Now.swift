import ChargebackCore
import FoundationEssentials

extension UTCTimestamp {
    /// The system clock now: the one place the app and its commands read it (the domain takes instants as arguments).
    public static var now: UTCTimestamp {
        UTCTimestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
    }
}
