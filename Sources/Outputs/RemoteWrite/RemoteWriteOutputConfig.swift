import Pipeline

/// `prometheus_remote_write`: sends metrics to a Prometheus remote-write 1.0 receiver
/// (VictoriaMetrics `/api/v1/write`, Prometheus with `--web.enable-remote-write-receiver`,
/// vmagent, Mimir, Thanos receive).
///
/// - url (url, required): the receiver, e.g. `http://127.0.0.1:8428/api/v1/write`.
/// - auth (mapping): `{bearer_token}` or `{username, password}` (basic).
/// - headers (map, default none): extra request headers; `Content-Type`, `Content-Encoding`,
///   `X-Prometheus-Remote-Write-Version` and `User-Agent` are the protocol's.
/// - batch.max_events (int, default 10000): samples per request.
/// - batch.max_bytes (size, default 4MiB, at most 32MiB): uncompressed protobuf per request;
///   VictoriaMetrics refuses bodies over 32MiB.
/// - batch.timeout (duration, default 1s): send a partial batch this long after its first sample.
/// - concurrency (int, default 2): requests in flight. Samples are sharded by a hash of
///   their series, so one series always goes through one shard, in order.
/// - request_timeout (duration, default 30s): one attempt, connect to last byte.
/// - retry.initial_backoff (duration, default 250ms): the first wait after a 429, 5xx or
///   network error; it doubles per attempt, with jitter, honouring `Retry-After`.
/// - retry.max_backoff (duration, default 30s): the longest wait.
/// - retry.max_duration (duration, default 0 = forever): then the batch goes to the dead-letter file.
/// - dead_letter.max_size (size, default 100MiB): the dead-letter file is rotated to
///   `<id>.ndjson.1` past this size (one old file kept, at most twice the size in all).
/// - tls (mapping): `ca`, `cert`, `key`, `server_name`, `verify` (default true).
/// - compression (snappy, default snappy): the only encoding remote-write 1.0 allows.
/// - buffer (mapping): the inbox, handled by the pipeline core; with `type: disk` also
///   `max_size` (size, default 256MiB), `fsync` (`always|interval`, default interval = 1s) and
///   `when_full` (`block|drop_newest`): encoded requests are kept in
///   `data_dir/buffers/<id>/` until delivered, and replayed after a restart
///   (`RemoteWriteOutput+DiskBuffer`, record format in `RemoteWriteRecord`).
///
/// A 4xx other than 429 and 413 is not retried: the samples go to
/// `data_dir/dead_letter/<id>.ndjson` with the response, counted as
/// `pipectl_component_dropped_events_total{reason="rejected"}`. A 413 splits the request.
public struct RemoteWriteOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "prometheus_remote_write", role: .output, accepts: .metric,
                                                    produces: .none, supportsDiskBuffer: true) {
        RemoteWriteOutputConfig(reader: $0)
    }

    /// Headers of every request (PROTOCOLS.md "Prometheus remote-write 1.0").
    static let protocolHeaders = [
        ("Content-Encoding", "snappy"),
        ("Content-Type", "application/x-protobuf"),
        ("X-Prometheus-Remote-Write-Version", "0.1.0"),
        ("User-Agent", "pipectl/0.1"),
    ]

    /// VictoriaMetrics' `-maxInsertRequestSize` default.
    static let receiverLimit = 32 * 1024 * 1024

    static let defaults = DeliveryOptions.Defaults(
        batch: DeliveryBatchLimits(maxEvents: 10_000, maxBytes: 4 * 1024 * 1024, timeout: .seconds(1)),
        maxBytesLimit: receiverLimit, maxBytesReason: "VictoriaMetrics refuses remote-write bodies over 32MiB",
        concurrency: 2)

    let http: DeliveryHTTPOptions
    let delivery: DeliveryOptions

    init(reader: ConfigReader) {
        http = DeliveryHTTPOptions(reader: reader, reserved: Self.protocolHeaders.map { $0.0.lowercased() })
        delivery = DeliveryOptions(reader: reader, defaults: Self.defaults)
        _ = reader.choice("compression", ["snappy"], default: "snappy")
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let disk = try DeliveryDiskBuffer.open(context, name: "prometheus_remote_write(\(context.id))")
        return .output(RemoteWriteOutput(id: context.id, http: http, delivery: delivery, tls: try http.tls?.makeConfiguration(),
                                         deadLetter: DeliveryDeadLetter(dataDirectory: context.dataDirectory, output: context.id,
                                                                        maxSize: delivery.deadLetterMaxSize),
                                         disk: disk))
    }
}
