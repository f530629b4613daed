import Codecs
import NIOCore

extension PipelineTelemetry {
    /// Every own metric: per-component counters, buffer gauges and process metrics.
    public func samples() -> [TelemetrySample] {
        var out: [TelemetrySample] = []
        for e in entries {
            let base = [("component", e.id), ("component_kind", e.role.rawValue), ("component_type", e.type)]
            func add(_ name: String, _ extra: [(String, String)] = [], _ value: Int, _ kind: MetricKind, _ help: String) {
                out.append(TelemetrySample(name: name, labels: base + extra, value: Double(value), kind: kind, help: help))
            }
            let m = e.metrics
            add("pipectl_component_received_events_total", [], m.receivedEvents.load(ordering: .relaxed), .counter,
                "Events the component took in.")
            add("pipectl_component_received_bytes_total", [], m.receivedBytes.load(ordering: .relaxed), .counter,
                "Bytes the component took in.")
            add("pipectl_component_sent_events_total", [], m.sentEvents.load(ordering: .relaxed), .counter,
                "Events the component passed on or delivered.")
            for (kind, count) in m.errorCounts {
                add("pipectl_component_errors_total", [("kind", kind)], count, .counter, "Errors by kind.")
            }
            for (reason, count) in m.dropCounts {
                add("pipectl_component_dropped_events_total", [("reason", reason)], count, .counter, "Events dropped, by reason.")
            }
            if e.role == .output {
                add("pipectl_component_retries_total", [], m.retries.load(ordering: .relaxed), .counter,
                    "Requests sent again after a failure.")
                add("pipectl_output_failing", [], m.failing.load(ordering: .relaxed) ? 1 : 0, .gauge,
                    "1 while the output is retrying or failing to write (what /readyz reports), else 0.")
                let (cumulative, sum) = m.requestDuration.snapshot
                if let count = cumulative.last, count > 0 {
                    let name = "pipectl_output_request_duration_seconds"
                    let help = "Duration of each request attempt of a network output."
                    for (bound, n) in zip(LatencyHistogram.bounds.map { PrometheusText.format($0) } + ["+Inf"], cumulative) {
                        add(name + "_bucket", [("le", bound)], n, .histogram, help)
                    }
                    out.append(TelemetrySample(name: name + "_sum", labels: base, value: sum, kind: .histogram, help: help))
                    add(name + "_count", [], count, .histogram, help)
                }
            }
            if let gauges = m.diskBuffer.withLockedValue({ $0 })?() {
                add("pipectl_buffer_disk_bytes", [], gauges.bytes, .gauge, "Bytes of the output's disk buffer in use.")
                add("pipectl_buffer_disk_events", [], gauges.events, .gauge, "Events in the disk buffer not yet confirmed.")
                out.append(TelemetrySample(name: "pipectl_buffer_oldest_age_seconds", labels: base, value: gauges.oldestAgeSeconds,
                                           kind: .gauge, help: "Age of the oldest unconfirmed disk buffer record."))
                add("pipectl_buffer_written_records_total", [], gauges.written, .counter, "Records written to the disk buffer.")
                add("pipectl_buffer_replayed_records_total", [], gauges.replayed, .counter,
                    "Disk buffer records recovered at start-up and sent again.")
                add("pipectl_buffer_corrupt_records_total", [], gauges.corrupt, .counter,
                    "Damaged disk buffer records (torn or corrupt) skipped.")
            }
            if let inbox = e.inbox {
                add("pipectl_buffer_events", [], inbox.eventCount, .gauge, "Events waiting in the component's buffer.")
                add("pipectl_buffer_bytes", [], inbox.byteCount, .gauge, "Bytes waiting in the component's buffer.")
                add("pipectl_buffer_max_events", [], inbox.budget.maxEvents, .gauge, "The buffer's max_events.")
                if inbox.budget.maxBytes != .max {
                    add("pipectl_buffer_max_bytes", [], inbox.budget.maxBytes, .gauge, "The buffer's max_size, when set.")
                }
            }
        }
        out.append(contentsOf: ProcessStats.read(startTime: startTime))
        return out
    }

    /// The samples in Prometheus text format 0.0.4.
    public func prometheusText() -> ByteBuffer {
        var buffer = ByteBuffer()
        var described: Set<String> = []
        let sorted = samples().enumerated().sorted { ($0.element.name, $0.offset) < ($1.element.name, $1.offset) }.map(\.element)
        for s in sorted {
            let family = Self.family(s)
            if described.insert(family).inserted {
                buffer.writeString("# HELP \(family) \(s.help)\n# TYPE \(family) \(s.kind.name)\n")
            }
            PrometheusText.writeSample(name: s.name, labels: s.labels, value: s.value, into: &buffer)
        }
        return buffer
    }

    /// The family a sample belongs to: histogram and summary parts drop their suffix.
    private static func family(_ s: TelemetrySample) -> String {
        guard s.kind == .histogram || s.kind == .summary else { return s.name }
        for suffix in ["_bucket", "_sum", "_count"] where s.name.hasSuffix(suffix) { return String(s.name.dropLast(suffix.count)) }
        return s.name
    }
}
