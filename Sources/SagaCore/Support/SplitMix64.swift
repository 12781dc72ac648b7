/// A tiny seeded generator (SplitMix64) whose whole state is one `UInt64` kept in the saga state,
/// so the jitter of a replayed saga is drawn identically.
@usableFromInline
struct SplitMix64 {
    @usableFromInline var state: UInt64

    @inlinable
    init(state: UInt64) {
        self.state = state
    }

    @inlinable
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A draw in `0..<1`.
    @inlinable
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// FNV-1a over the bytes of `text`: a stable seed (Swift's `Hasher` is randomly seeded per process).
    static func seed(from text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
