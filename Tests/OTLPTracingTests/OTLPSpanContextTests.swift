import Testing
import Tracing

@testable import OTLPTracing

@Suite("W3C Trace Context")
struct OTLPSpanContextTests {
    @Test("a traceparent is written as W3C spells it and read back")
    func roundTrip() throws {
        let context = OTLPSpanContext(traceID: TraceID(high: 0x0af7_6519_16cd_43dd, low: 0x8448_eb21_1c80_319c), spanID: SpanID(0xb7ad_6b71_6920_3331), isSampled: true)
        #expect(context.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        let read = try #require(OTLPSpanContext(traceparent: context.traceparent, traceState: "vendor=1"))
        #expect(read.traceID == context.traceID)
        #expect(read.spanID == context.spanID)
        #expect(read.isSampled)
        #expect(read.isRemote)
        #expect(read.traceState == "vendor=1")
        let unsampled = OTLPSpanContext(traceID: context.traceID, spanID: SpanID(1), isSampled: false)
        #expect(unsampled.traceparent.hasSuffix("-0000000000000001-00"))
        #expect(OTLPSpanContext(traceparent: unsampled.traceparent)?.isSampled == false)
    }

    @Test("what is not a traceparent is refused", arguments: [
        "",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",  // no flags
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",  // version 00 has four fields
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // version ff is invalid
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // all-zero span id
        "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",  // not hex
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // wrong separator
    ])
    func refused(_ text: String) {
        #expect(OTLPSpanContext(traceparent: text) == nil)
    }

    @Test("a later version is read by its first four fields")
    func laterVersion() {
        let read = OTLPSpanContext(traceparent: "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-comes-later")
        #expect(read?.spanID == SpanID(0xb7ad_6b71_6920_3331))
    }
}

@Suite("Sampling")
struct OTLPSamplerTests {
    private static func randomTraceID() -> TraceID {
        TraceID(high: .random(in: .min ... .max), low: .random(in: .min ... .max))
    }

    @Test("a parent-based sampler follows the parent's flag; a root is decided by the rule")
    func parentBased() {
        let parent = OTLPSpanContext(traceID: Self.randomTraceID(), spanID: SpanID(7), isSampled: false, isRemote: true)
        #expect(!OTLPSampler(root: .always).samples(parent.traceID, parent: parent))
        var sampled = parent
        sampled.isSampled = true
        #expect(OTLPSampler(root: .never).samples(sampled.traceID, parent: sampled))
        #expect(OTLPSampler(root: .always).samples(Self.randomTraceID(), parent: nil))
        #expect(!OTLPSampler(root: .never).samples(Self.randomTraceID(), parent: nil))
        // Not parent-based: the rule decides children too.
        #expect(OTLPSampler(root: .always, followsParent: false).samples(parent.traceID, parent: parent))
    }

    @Test("a ratio sampler keeps about that share of traces, the same decision for the same trace id")
    func ratio() {
        let sampler = OTLPSampler(root: .ratio(0.25))
        let ids = (0..<20_000).map { _ in Self.randomTraceID() }
        let kept = ids.filter { sampler.samples($0, parent: nil) }.count
        // 5,000 expected; the binomial's standard deviation is about 61.
        #expect((4_500...5_500).contains(kept), "kept \(kept) of 20,000")
        #expect(ids.allSatisfy { sampler.samples($0, parent: nil) == sampler.samples($0, parent: nil) })
        #expect(ids.allSatisfy { !OTLPSampler(root: .ratio(0)).samples($0, parent: nil) })
        #expect(ids.allSatisfy { OTLPSampler(root: .ratio(1)).samples($0, parent: nil) })
    }
}
