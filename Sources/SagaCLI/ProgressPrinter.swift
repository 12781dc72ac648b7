import Foundation
import Kafka
import Logging
import SagaCore
import Synchronization

/// Prints progress events as they arrive — one line each and a summary per saga when it
/// settles, or one JSON object per line — and remembers how each saga ended.
final class ProgressPrinter: Sendable {
    /// Which sagas to print.
    struct Filter: Sendable {
        /// A saga id, or its first characters.
        var saga: String?
        /// A saga type.
        var type: String?

        func matches(_ event: ProgressEvent) -> Bool {
            (saga.map { event.sagaId.hasPrefix($0) } ?? true) && (type.map { event.sagaType == $0 } ?? true)
        }
    }

    private struct State {
        var tallies: [String: SagaTally] = [:]
        var ended: [String: SagaStatus] = [:]
    }

    private let feed: ProgressFeed
    private let style: ProgressStyle
    private let filter: Filter
    private let state = Mutex(State())
    /// Past this many sagas remembered as ended, the record starts over (a long `watch`
    /// must not grow without bound; `saga dev` asks about its two sagas right away).
    private let endedBound = 100_000

    /// Prints everything from a consumer group of its own on `topic`, in the terminal's style.
    init(consumer: KafkaConsumerConfiguration, topic: String, logger: Logger) throws {
        feed = try ProgressFeed(subscribing: consumer, topic: topic, logger: logger)
        style = .forTerminal()
        filter = Filter()
    }

    /// Prints what `feed` reads, in `style`, for the sagas `filter` matches.
    init(feed: ProgressFeed, style: ProgressStyle, filter: Filter = Filter()) {
        self.feed = feed
        self.style = style
        self.filter = filter
    }

    /// How each of `ids` ended, for those that settled (completed, compensated or failed).
    func finished(_ ids: [String]) -> [String: SagaStatus] {
        state.withLock { state in state.ended.filter { ids.contains($0.key) } }
    }

    /// Prints until the task is cancelled, then stops reading.
    func run() async throws {
        while !Task.isCancelled {
            for case .progress(let event, let published) in try await feed.next(timeout: .milliseconds(50)) where filter.matches(event) {
                print(event, published: published)
            }
        }
        await feed.close()
    }

    /// Prints one event, and the saga's summary when it settles.
    func print(_ event: ProgressEvent, published: [UInt8]) {
        if style.json {
            // As published, unless it spans lines (not written by this project's relay).
            writeLine(published.contains(UInt8(ascii: "\n"))
                ? String(decoding: (try? SagaMessageCodec.encode(event)) ?? published, as: UTF8.self)
                : String(decoding: published, as: UTF8.self))
        } else {
            writeLine(style.line(event))
        }
        let settled = state.withLock { state -> SagaTally? in
            state.tallies[event.sagaId, default: SagaTally()].count(event)
            if event.state.isSettled {
                if state.ended.count >= endedBound { state.ended.removeAll() }
                state.ended[event.sagaId] = event.state
            }
            return SagaTally.closingKinds.contains(event.event) ? state.tallies.removeValue(forKey: event.sagaId) : nil
        }
        if let settled, style.summaries {
            writeLine(style.summary(settled, ended: event))
        }
    }
}
