/// The version this build reports in health answers and logs.
public enum ServiceVersion {
    /// Semantic version of the chargeback service.
    public static let current = "0.1.0"
}
