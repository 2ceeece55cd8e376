extension Duration {
    /// Whole and fractional milliseconds, rounded to 0.1 ms, for log lines.
    var milliseconds: Double {
        let value = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        return (value * 10).rounded() / 10
    }
}
