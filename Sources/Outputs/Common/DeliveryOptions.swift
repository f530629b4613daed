import Pipeline

/// The delivery options every network output reads the same way (SPEC §4 "Outputs").
///
/// - batch.max_events (int, default per output): flush once this many events are pending.
/// - batch.max_bytes (size, default per output): flush once this many bytes are pending.
/// - batch.timeout (duration, default per output): flush a batch this long after its first event.
/// - concurrency (int, default per output): requests in flight at once.
/// - request_timeout (duration, default 30s): one attempt's limit, connect to last byte.
/// - retry.initial_backoff (duration, default 250ms): the first wait after a failure.
/// - retry.max_backoff (duration, default 30s): the longest wait the doubling reaches.
/// - retry.max_duration (duration, default 0 = forever): give up on a batch after retrying this long.
/// - dead_letter.max_size (size, default 100MiB, at least 1KiB): the dead-letter file is
///   renamed to `<id>.ndjson.1` when it would grow past this, so both together stay under
///   twice the size (`DeliveryDeadLetter`).
package struct DeliveryOptions: Sendable, Equatable {
    /// What an output uses when the file says nothing, and the largest `max_bytes` it allows.
    package struct Defaults: Sendable {
        package var batch: DeliveryBatchLimits
        package var maxBytesLimit: Int
        /// Why `maxBytesLimit` exists, for the error message.
        package var maxBytesReason: String
        package var concurrency: Int
        package var requestTimeout: Duration

        package init(batch: DeliveryBatchLimits, maxBytesLimit: Int, maxBytesReason: String,
                    concurrency: Int, requestTimeout: Duration = .seconds(30)) {
            self.batch = batch
            self.maxBytesLimit = maxBytesLimit
            self.maxBytesReason = maxBytesReason
            self.concurrency = concurrency
            self.requestTimeout = requestTimeout
        }
    }

    package var batch: DeliveryBatchLimits
    package var concurrency: Int
    package var requestTimeout: Duration
    package var retry: DeliveryRetryLogic.Policy
    /// `dead_letter.max_size`.
    package var deadLetterMaxSize: Int

    /// Reads `batch`, `concurrency`, `request_timeout` and `retry` from an output's options.
    package init(reader: ConfigReader, defaults: Defaults) {
        batch = defaults.batch
        if let b = reader.child("batch") {
            batch.maxEvents = b.int("max_events", default: batch.maxEvents, range: 1...10_000_000)
            let maxBytes = b.size("max_bytes", default: batch.maxBytes)
            if maxBytes < 1024 {
                b.error("max_bytes", "must be at least 1KiB, got \(maxBytes) bytes")
            } else if maxBytes > defaults.maxBytesLimit {
                b.error("max_bytes", "must be at most \(Self.describe(defaults.maxBytesLimit)) (\(defaults.maxBytesReason))")
            } else {
                batch.maxBytes = maxBytes
            }
            batch.timeout = b.duration("timeout", default: batch.timeout, minimum: .milliseconds(1))
            b.finish()
        }
        concurrency = reader.int("concurrency", default: defaults.concurrency, range: 1...256)
        requestTimeout = reader.duration("request_timeout", default: defaults.requestTimeout, minimum: .milliseconds(1))
        retry = DeliveryRetryLogic.Policy()
        if let r = reader.child("retry") {
            retry.initialBackoff = r.duration("initial_backoff", default: retry.initialBackoff, minimum: .milliseconds(1))
            let maxBackoff = r.duration("max_backoff", default: retry.maxBackoff, minimum: .milliseconds(1))
            if maxBackoff < retry.initialBackoff {
                r.error("max_backoff", "must be at least initial_backoff (\(retry.initialBackoff.formatted)), got \(maxBackoff.formatted)")
            } else {
                retry.maxBackoff = maxBackoff
            }
            retry.maxDuration = r.duration("max_duration", default: .zero)
            r.finish()
        }
        deadLetterMaxSize = DeliveryDeadLetter.defaultMaxSize
        if let d = reader.child("dead_letter") {
            let maxSize = d.size("max_size", default: deadLetterMaxSize)
            if maxSize < 1024 {
                d.error("max_size", "must be at least 1KiB, got \(maxSize) bytes")
            } else {
                deadLetterMaxSize = maxSize
            }
            d.finish()
        }
    }

    /// `32MiB`, `4MiB`, `512KiB` or bytes.
    static func describe(_ size: Int) -> String {
        if size % (1024 * 1024) == 0 { return "\(size / (1024 * 1024))MiB" }
        if size % 1024 == 0 { return "\(size / 1024)KiB" }
        return "\(size) bytes"
    }
}
