import ArgumentParser

/// How `saga orchestrator` writes its log.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    /// swift-log's readable lines (the default).
    case text
    /// One JSON object per line.
    case json
}
