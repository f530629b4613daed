import Pipeline

/// One stream label: its name and the template of its value.
package struct LokiLabel: Sendable, Equatable {
    /// The label name, checked against Prometheus' rules at configuration time.
    package var name: [UInt8]
    package var template: FieldTemplate

    package init(name: String, template: FieldTemplate) {
        self.name = Array(name.utf8)
        self.template = template
    }

    init(name: [UInt8], template: FieldTemplate) {
        self.name = name
        self.template = template
    }
}

/// What a Loki request is made of: the labels, the body's encoding, the line and its limit
/// (`LokiOutputConfig` documents each option).
package struct LokiFormat: Sendable, Equatable {
    /// The body: a snappy-compressed `PushRequest`, or Loki's JSON push.
    package enum Encoding: String, Sendable { case protobuf, json }
    /// `Content-Encoding` of the body: snappy for protobuf; gzip or none for JSON.
    package enum Compression: String, Sendable { case snappy, gzip, none }
    /// What an entry's line is.
    package enum Line: String, Sendable {
        /// The event's message.
        case message
        /// The event as an NDJSON object (`EventEncoder`), without its newline.
        case json
    }
    /// What becomes of a line over `maxLineBytes`.
    package enum LineTooLong: String, Sendable { case truncate, drop }

    /// Sorted by name.
    package var labels: [LokiLabel] = []
    package var encoding = Encoding.protobuf
    package var compression = Compression.snappy
    package var line = Line.message
    package var maxLineBytes = 256 * 1024
    package var lineTooLong = LineTooLong.truncate

    package init(labels: [LokiLabel] = [], encoding: Encoding = .protobuf, compression: Compression? = nil,
                 line: Line = .message, maxLineBytes: Int = 256 * 1024, lineTooLong: LineTooLong = .truncate) {
        self.labels = labels.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        self.encoding = encoding
        self.compression = compression ?? (encoding == .protobuf ? .snappy : .gzip)
        self.line = line
        self.maxLineBytes = maxLineBytes
        self.lineTooLong = lineTooLong
    }
}
