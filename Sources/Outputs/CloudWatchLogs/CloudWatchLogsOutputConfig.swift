import Foundation
import Pipeline
import TLSOptions

/// `cloudwatch_logs`: sends log events to Amazon CloudWatch Logs with `PutLogEvents` (AWS
/// JSON 1.1, Signature Version 4), or to an emulator of it (moto, LocalStack) via `endpoint`.
///
/// - region (string): the AWS region, e.g. `us-east-1`; else `AWS_REGION`, else
///   `AWS_DEFAULT_REGION`. Required one way or the other (checked when the stage is built).
/// - endpoint (url, default `https://logs.<region>.amazonaws.com`): another receiver (no query).
/// - group_name (template, required): the log group, e.g. `"/heroku/{{ app }}"`.
/// - stream_name (template, required): the log stream, e.g. `"{{ hostname }}"`. Events are
///   sent per group and stream, one request each; an event whose names render empty is
///   dead-lettered (`errors{kind="empty_name"}`).
/// - create_missing_group (bool, default true): on `ResourceNotFoundException` for the
///   group, `CreateLogGroup` first (`ResourceAlreadyExistsException` counts as done).
/// - create_missing_stream (bool, default true): the same with `CreateLogStream`.
/// - auth.access_key_id, auth.secret_access_key (strings), auth.session_token (string,
///   temporary credentials): else `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
///   `AWS_SESSION_TOKEN`. The secret and the token never appear in logs, errors or dead
///   letters; messages name the access key id at most.
/// - max_message_bytes (size, default 262118, at most 1048550): longer messages are cut at a
///   UTF-8 boundary, counted in `errors{kind="truncated"}`. The default keeps each event
///   within 256 KiB with CloudWatch's 26 bytes, the quota in every region (some now take 1 MB).
/// - batch.max_events (int, default and at most 10000): events per request.
/// - batch.max_bytes (size, default and at most 1MiB): per request, counted as CloudWatch
///   counts it: the messages' UTF-8 bytes (as sent: invalid bytes become U+FFFD) plus 26 per event.
/// - batch.timeout (duration, default 1s): send a partial batch this long after its first event.
/// - concurrency (int, default 1): requests in flight. Streams are spread over lanes by a
///   hash of group and stream, so the events of one stream go in order on one lane.
/// - request_timeout (duration, default 30s), retry, dead_letter: as every network output.
/// - buffer (mapping): the inbox; `type: disk` keeps events in `data_dir/buffers/<id>/` until
///   delivered or dead-lettered, replayed after a restart (`DeliveryInbox.consumeLogs`).
/// - tls (mapping): `ca`, `cert`, `key`, `server_name`, `verify` (default true).
///
/// A request holds events of one group and stream, sorted by timestamp, spanning less than
/// 24 hours. Events more than 14 days old, more than 2 hours ahead or with an empty message
/// are dead-lettered before sending (`CloudWatchLogsRefusal`); those CloudWatch still refuses
/// come back in `rejectedLogEventsInfo` and are dead-lettered, the rest counted delivered.
/// Answers are classified in `CloudWatchLogsProtocol`.
public struct CloudWatchLogsOutputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "cloudwatch_logs", role: .output, accepts: .log, produces: .none,
                                                    supportsDiskBuffer: true) {
        CloudWatchLogsOutputConfig(reader: $0)
    }

    static let defaults = DeliveryOptions.Defaults(
        batch: DeliveryBatchLimits(maxEvents: CloudWatchLogsEncoder.maxRequestEvents,
                                   maxBytes: CloudWatchLogsEncoder.maxRequestBytes, timeout: .seconds(1)),
        maxBytesLimit: CloudWatchLogsEncoder.maxRequestBytes,
        maxBytesReason: "PutLogEvents takes at most 1,048,576 bytes: messages plus 26 per event",
        concurrency: 1)

    var region: String?
    var endpoint: String?
    var group = FieldTemplate(parts: [])
    var stream = FieldTemplate(parts: [])
    var createMissingGroup = true
    var createMissingStream = true
    var credentials: AWSCredentials?
    var tls: ClientTLSOptions?
    var maxMessageBytes = CloudWatchLogsEncoder.defaultMaxMessageBytes
    let delivery: DeliveryOptions

    init(reader: ConfigReader) {
        region = reader.string("region")
        if let region, !Self.isRegion(region) {
            reader.error("region", "expected an AWS region like us-east-1, got '\(region)'")
        }
        endpoint = reader.url("endpoint")
        if let endpoint, endpoint.split(separator: "/").dropFirst().first?.contains("@") == true {
            reader.error("endpoint", "credentials in the URL are not supported; use auth: {access_key_id, secret_access_key}")
        } else if let endpoint, endpoint.contains("?") || endpoint.contains("#") {
            reader.error("endpoint", "must not have a query or fragment: requests are signed for the path alone")
        }
        group = Self.template(reader, "group_name") ?? group
        stream = Self.template(reader, "stream_name") ?? stream
        createMissingGroup = reader.bool("create_missing_group", default: true)
        createMissingStream = reader.bool("create_missing_stream", default: true)
        credentials = Self.readAuth(reader)
        tls = reader.child("tls").map { ClientTLSOptions(reader: $0) }
        maxMessageBytes = reader.size("max_message_bytes", default: maxMessageBytes)
        let largest = CloudWatchLogsEncoder.maxRequestBytes - CloudWatchLogsEncoder.eventOverhead
        if !(1...largest).contains(maxMessageBytes) {
            reader.error("max_message_bytes", "must be 1 to \(largest) bytes (an event is at most 1 MiB with its 26 bytes)")
            maxMessageBytes = CloudWatchLogsEncoder.defaultMaxMessageBytes
        }
        delivery = DeliveryOptions(reader: reader, defaults: Self.defaults)
        if delivery.batch.maxEvents > CloudWatchLogsEncoder.maxRequestEvents {
            reader.child("batch")?.error("max_events", "must be at most 10000 (PutLogEvents takes at most 10,000 events)")
        }
    }

    /// Where and as whom the output sends, from the file or else the environment.
    struct Resolved: Sendable {
        var region: String
        var endpoint: String
        var credentials: AWSCredentials
    }

    /// Fills in what the file left to the environment; throws a message naming the option
    /// and the variables when something is missing.
    func resolve(environment: [String: String]) throws -> Resolved {
        let env = [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].compactMap { $0 }.first { !$0.isEmpty }
        guard let region = region ?? env else {
            throw OutputError("no region: set region: or AWS_REGION (or AWS_DEFAULT_REGION)")
        }
        guard Self.isRegion(region) else {
            throw OutputError("AWS_REGION: expected an AWS region like us-east-1, got '\(region)'")
        }
        guard let credentials = credentials ?? AWSCredentials(environment: environment) else {
            throw OutputError("no AWS credentials: set auth: {access_key_id, secret_access_key} "
                              + "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        return Resolved(region: region, endpoint: endpoint ?? "https://logs.\(region).amazonaws.com", credentials: credentials)
    }

    func makeEncoder() -> CloudWatchLogsEncoder { CloudWatchLogsEncoder(maxMessageBytes: maxMessageBytes) }

    public func makeStage(_ context: StageContext) throws -> Stage {
        let resolved = try resolve(environment: ProcessInfo.processInfo.environment)
        let disk = try DeliveryDiskBuffer.open(context, name: "cloudwatch_logs(\(context.id))")
        return .output(CloudWatchLogsOutput(id: context.id, config: self, resolved: resolved, tls: try tls?.makeConfiguration(),
                                            deadLetter: DeliveryDeadLetter(dataDirectory: context.dataDirectory, output: context.id,
                                                                           maxSize: delivery.deadLetterMaxSize),
                                            disk: disk))
    }

    private static func template(_ reader: ConfigReader, _ key: String) -> FieldTemplate? {
        guard let text = reader.string(key, required: true) else { return nil }
        let (template, problem) = FieldTemplate.parse(text)
        if let problem { reader.error(key, problem) }
        if template?.constant?.isEmpty == true { reader.error(key, "must not be empty") }
        return template
    }

    private static func readAuth(_ reader: ConfigReader) -> AWSCredentials? {
        guard let a = reader.child("auth") else { return nil }
        defer { a.finish() }
        let id = a.string("access_key_id", required: true), secret = a.string("secret_access_key", required: true)
        let token = a.string("session_token")
        if id?.isEmpty == true { a.error("access_key_id", "must not be empty") }
        if secret?.isEmpty == true { a.error("secret_access_key", "must not be empty") }
        guard let id, let secret, !id.isEmpty, !secret.isEmpty else { return nil }
        return AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`: lower-case letters, digits and dashes.
    private static func isRegion(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 &- 97 < 26 || $0 &- 48 < 10 || $0 == UInt8(ascii: "-") }
    }
}
