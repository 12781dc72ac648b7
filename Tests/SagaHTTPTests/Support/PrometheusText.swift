import Foundation
import SagaTestKit

/// Samples of a `/metrics` answer as Python's `prometheus_client` parser reads them: the test
/// checks the exposition is valid Prometheus text, not just that it contains some strings.
struct PrometheusSamples {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample]

    /// The value of the sample named `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }

    /// The sum over every sample named `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
            .reduce(0) { $0 + $1.value }
    }

    private static let parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        out = []
        for family in text_string_to_metric_families(sys.stdin.read()):
            for s in family.samples:
                out.append({"name": s.name, "labels": s.labels, "value": s.value})
        print(json.dumps(out))
        """

    /// Parses `text` with `prometheus_client` (installed by `scripts/setup`).
    /// - Throws: when the parser rejects the text, or Python or the package is missing.
    static func parse(_ text: String) throws -> PrometheusSamples {
        let process = SpawnedProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", parser]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("prometheus_client rejected /metrics (or is not installed: scripts/setup installs it): \(String(decoding: problem, as: UTF8.self))")
        }
        guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { throw TestFailure("parser output") }
        return PrometheusSamples(samples: list.map { item in
            Sample(
                name: item["name"] as? String ?? "",
                labels: item["labels"] as? [String: String] ?? [:],
                value: (item["value"] as? NSNumber)?.doubleValue ?? .nan
            )
        })
    }
}
