import Foundation

/// One answer of the admin API's `GET /v1/components`: every component's counters at `time`.
struct ComponentsSnapshot: Decodable, Sendable {
    /// When the pipeline read its counters, Unix seconds; rates divide by differences of it.
    let time: Double
    let components: [ComponentSample]

    /// Decodes the JSON body of `/v1/components`.
    static func decode(_ body: [UInt8]) throws -> ComponentsSnapshot {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ComponentsSnapshot.self, from: Data(body))
    }
}

/// One component in `/v1/components` (the fields `pipectl top` shows; others are ignored).
struct ComponentSample: Decodable, Sendable {
    let id: String
    /// `input`, `transform` or `output`.
    let kind: String
    let type: String
    let receivedEvents: Int
    let receivedBytes: Int
    let sentEvents: Int
    /// Error counts by kind.
    let errors: [String: Int]
    /// Dropped-event counts by reason.
    let dropped: [String: Int]
    /// The inbox (transforms and outputs only).
    let bufferEvents: Int?
    let bufferBytes: Int?
    let bufferMaxEvents: Int?
    /// Absent when only events bound the buffer.
    let bufferMaxBytes: Int?
    let failing: Bool
    /// Outputs only.
    let requestDurationSeconds: RequestHistogram?
}

/// An output's request latency histogram, as Prometheus' cumulative `le` buckets.
struct RequestHistogram: Decodable, Sendable {
    /// `[upper bound in seconds, requests at or under it]`, bounds ascending; `+Inf` is `count`.
    let buckets: [[Double]]
    let count: Int
}
