import Codecs

/// Feeds a stream decoder the same bytes all at once, byte by byte and in random chunks, and
/// checks that every feeding decodes to the same items.
///
/// `decode` runs a fresh decoder over a list of reads (some may be empty) and returns what it
/// decoded, including what the end of the stream flushes:
///
///     let items = try DecoderVerifier().verify(bytes) { chunks in
///         var framer = LineFramer(maxLineBytes: 64)
///         … feed each chunk, then flush …
///     }
///     XCTAssertEqual(items, expected)
///
/// Random chunk sizes come from SplitMix64 with fixed seeds, so a failure replays exactly.
public struct DecoderVerifier: Sendable {
    /// A feeding that decoded differently from all at once.
    public struct Mismatch: Error, CustomStringConvertible {
        /// How the bytes were fed: "byte by byte" or "random chunks, seed 3".
        public let feeding: String
        /// The sizes of the reads, in order.
        public let chunkSizes: [Int]
        /// The first difference.
        public let difference: String

        public var description: String {
            "fed \(feeding) (reads of \(chunkSizes.prefix(40).map(String.init).joined(separator: ","))"
                + "\(chunkSizes.count > 40 ? ",…" : "")): \(difference)"
        }
    }

    /// Seeds of the random feedings, one feeding each.
    public let seeds: [UInt64]
    /// The largest random read; sizes are drawn from `0...maxChunk`.
    public let maxChunk: Int

    public init(seeds: [UInt64] = Array(1...8), maxChunk: Int = 16) {
        self.seeds = seeds
        self.maxChunk = maxChunk
    }

    /// Decodes `input` every way and returns the items of the all-at-once feeding, or throws the
    /// first feeding whose items differ from them.
    public func verify<Item: Equatable>(_ input: [UInt8], decode: ([[UInt8]]) -> [Item]) throws -> [Item] {
        let expected = decode([input])
        var feedings = [("byte by byte", input.map { [$0] })]
        for seed in seeds {
            feedings.append(("random chunks, seed \(seed)", randomChunks(input, seed: seed)))
        }
        for (feeding, chunks) in feedings {
            let got = decode(chunks)
            if let difference = Self.firstDifference(expected, got) {
                throw Mismatch(feeding: feeding, chunkSizes: chunks.map(\.count), difference: difference)
            }
        }
        return expected
    }

    /// `input` cut into reads of `0...maxChunk` bytes drawn from `seed`.
    public func randomChunks(_ input: [UInt8], seed: UInt64) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        var chunks: [[UInt8]] = []
        var i = 0
        while i < input.count {
            let size = Swift.min(input.count - i, Int(random.next() % UInt64(maxChunk + 1)))
            chunks.append(Array(input[i..<(i + size)]))
            i += size
        }
        return chunks
    }

    private static func firstDifference<Item: Equatable>(_ expected: [Item], _ got: [Item]) -> String? {
        for (index, (e, g)) in zip(expected, got).enumerated() where e != g {
            return "item \(index): expected \(e), got \(g)"
        }
        guard expected.count != got.count else { return nil }
        let extra = expected.count > got.count ? "missing \(expected[got.count])" : "extra \(got[expected.count])"
        return "\(got.count) items instead of \(expected.count): \(extra)"
    }
}
