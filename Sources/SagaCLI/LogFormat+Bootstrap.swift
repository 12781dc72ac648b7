import Logging

extension LogFormat {
    /// Bootstraps swift-log with this format, on standard error.
    /// - Parameter metadataProvider: adds metadata from the task's context to every line (with
    ///   tracing on: `trace_id` and `span_id` inside a span); `nil` adds none.
    func bootstrap(metadataProvider: Logger.MetadataProvider?) {
        switch self {
        case .text:
            LoggingSystem.bootstrap({ label, provider in
                StreamLogHandler.standardError(label: label, metadataProvider: provider)
            }, metadataProvider: metadataProvider)
        case .json:
            LoggingSystem.bootstrap({ label, provider in
                var handler = JSONLogHandler(label: label)
                handler.metadataProvider = provider
                return handler
            }, metadataProvider: metadataProvider)
        }
    }
}
