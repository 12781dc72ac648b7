import MetricsTestKit

extension TestMetrics {
    /// The sum of every counter named `label`, over all its label values, or over those with
    /// `dimension` only.
    func total(_ label: String, where dimension: (String, String)? = nil) -> Int64 {
        counters(label: label)
            .filter { counter in dimension.map { wanted in counter.dimensions.contains { $0 == wanted } } ?? true }
            .reduce(0) { $0 + $1.totalValue }
    }
}
