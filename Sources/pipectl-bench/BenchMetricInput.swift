import Pipeline
import PipelineTesting

/// `bench_metrics`: emits a list of metric batches built before the run, then ends.
struct BenchMetricInputConfig: ComponentConfig {
    /// The input type emitting `batches` (each run of a benchmark registers its own).
    static func componentType(_ batches: [EventBatch]) -> ComponentType {
        ComponentType(name: "bench_metrics", role: .input, produces: .fixed(.metric)) { _ in
            BenchMetricInputConfig(batches: batches)
        }
    }

    let batches: [EventBatch]

    func makeStage(_ context: StageContext) throws -> Stage { .input(StaticInput(batches)) }
}

/// node_exporter-like samples: 20 metric names × 500 instances = 10,000 series with 4–5
/// labels each (`job`, `instance`, `env`, `region`, and a per-metric label for most), one
/// sample per series per 15 s scrape, timestamps increasing.
enum NodeExporterSamples {
    static let names: [(name: String, extra: (String, [String])?, kind: MetricKind)] = [
        ("node_cpu_seconds_total", ("mode", ["idle", "user", "system", "iowait"]), .counter),
        ("node_memory_MemAvailable_bytes", nil, .gauge),
        ("node_memory_MemFree_bytes", nil, .gauge),
        ("node_load1", nil, .gauge),
        ("node_load5", nil, .gauge),
        ("node_filesystem_avail_bytes", ("mountpoint", ["/", "/var", "/home", "/data"]), .gauge),
        ("node_filesystem_size_bytes", ("mountpoint", ["/", "/var", "/home", "/data"]), .gauge),
        ("node_network_receive_bytes_total", ("device", ["eth0", "eth1", "lo", "docker0"]), .counter),
        ("node_network_transmit_bytes_total", ("device", ["eth0", "eth1", "lo", "docker0"]), .counter),
        ("node_network_receive_packets_total", ("device", ["eth0", "eth1", "lo", "docker0"]), .counter),
        ("node_disk_read_bytes_total", ("device", ["sda", "sdb", "nvme0n1", "nvme1n1"]), .counter),
        ("node_disk_written_bytes_total", ("device", ["sda", "sdb", "nvme0n1", "nvme1n1"]), .counter),
        ("node_disk_io_time_seconds_total", ("device", ["sda", "sdb", "nvme0n1", "nvme1n1"]), .counter),
        ("node_context_switches_total", nil, .counter),
        ("node_intr_total", nil, .counter),
        ("node_procs_running", nil, .gauge),
        ("node_vmstat_pgfault", nil, .counter),
        ("node_sockstat_TCP_inuse", nil, .gauge),
        ("node_boot_time_seconds", nil, .gauge),
        ("node_time_seconds", nil, .gauge),
    ]

    /// `samples` samples in batches of `batchSize`, cycling through the series once per scrape.
    static func batches(samples: Int, series: Int = 10_000, batchSize: Int = 512) -> [EventBatch] {
        let labels: [[(String, String)]] = (0..<series).map { s in
            let metric = names[s % names.count]
            let host = s / names.count
            var pairs = [("job", "node"), ("instance", "10.\(host / 250).\(host % 250).\(10 + host % 7):9100"),
                         ("env", host % 3 == 0 ? "staging" : "production"), ("region", ["eu-west-1", "us-east-1", "ap-south-1"][host % 3])]
            if let (label, values) = metric.extra { pairs.append((label, values[host % values.count])) }
            return pairs
        }
        var result: [EventBatch] = []
        var batch = MetricBatch(capacity: batchSize)
        let start: Int64 = 1_764_000_000_000
        for i in 0..<samples {
            let s = i % series
            let scrape = i / series
            let metric = names[s % names.count]
            // Counters grow; gauges wander (deterministic, so every run sends the same bytes).
            let noise = Double((i &* 2_654_435_761) % 1_000_003)
            let value = metric.kind == .counter ? Double(scrape) * 1234.5 + Double(s) : noise * 1.37
            batch.append(name: metric.name, labels: labels[s], value: value, timestamp: start + Int64(scrape) * 15_000 + Int64(s % 1000),
                         kind: metric.kind)
            if batch.count == batchSize {
                result.append(.metrics(batch))
                batch = MetricBatch(capacity: batchSize)
            }
        }
        if !batch.isEmpty { result.append(.metrics(batch)) }
        return result
    }
}
