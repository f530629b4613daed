/// The OTLP messages reachable from the three export requests (opentelemetry-proto v1), as
/// the OTLP/JSON transcoder needs them: each field's JSON names, number, type and label.
///
/// Fields a message gained after this table (or experimental ones such as the profiles
/// `*_strindex` fields) are unknown to it, and OTLP/JSON says unknown fields are skipped.
package enum OTLPJSONMessage: Sendable {
    case exportLogsServiceRequest, resourceLogs, scopeLogs, logRecord
    case exportMetricsServiceRequest, resourceMetrics, scopeMetrics, metric
    case gauge, sum, histogram, exponentialHistogram, summary
    case numberDataPoint, histogramDataPoint, exponentialHistogramDataPoint, buckets
    case summaryDataPoint, valueAtQuantile, exemplar
    case exportTraceServiceRequest, resourceSpans, scopeSpans, span, event, link, status
    case resource, entityRef, instrumentationScope, keyValue, anyValue, arrayValue, keyValueList

    /// The request message of `signal`'s export call.
    package static func request(of signal: OTLPSignal) -> OTLPJSONMessage {
        switch signal {
        case .logs: .exportLogsServiceRequest
        case .metrics: .exportMetricsServiceRequest
        case .traces: .exportTraceServiceRequest
        }
    }
}

/// One field of an OTLP message.
package struct OTLPJSONField: Sendable {
    /// How often a field occurs and whether a zero value is written.
    package enum Label: Sendable {
        /// proto3 implicit presence: a zero or empty value is left out of the output.
        case singular
        /// A proto3 `optional` field or a oneof member: written whenever the JSON has it.
        case optional
        /// A JSON array; numeric elements are written packed.
        case repeated
    }

    /// The lowerCamelCase name the proto3 JSON mapping prints.
    package let jsonName: StaticString
    /// The snake_case name from the .proto file, which parsers must accept too.
    package let protoName: StaticString
    package let number: UInt32
    package let type: OTLPJSONFieldType
    package let label: Label

    init(_ jsonName: StaticString, _ protoName: StaticString, _ number: UInt32, _ type: OTLPJSONFieldType,
         _ label: Label = .singular) {
        self.jsonName = jsonName
        self.protoName = protoName
        self.number = number
        self.type = type
        self.label = label
    }

    /// A field whose JSON and proto names are the same word.
    init(_ name: StaticString, _ number: UInt32, _ type: OTLPJSONFieldType, _ label: Label = .singular) {
        self.init(name, name, number, type, label)
    }
}

/// A field's protobuf type, with what its JSON value may be (proto3 JSON mapping, OTLP/JSON).
package enum OTLPJSONFieldType: Sendable {
    /// A JSON string, written as UTF-8.
    case string
    /// A base64 string (standard or URL-safe alphabet, padding optional).
    case bytes
    /// A hex string of exactly this many bytes: OTLP/JSON writes trace and span ids in hex.
    case hexBytes(Int)
    case bool
    /// Integers: a JSON number or a decimal string, checked against the type's range.
    case int32, int64, uint32, uint64, sint32, fixed32, fixed64, sfixed64
    /// A JSON number, a decimal string, or "NaN", "Infinity", "-Infinity".
    case double
    /// An enum: its value as an integer, or its name.
    case enumeration(OTLPJSONEnum)
    /// An embedded message: a JSON object.
    case message(OTLPJSONMessage)

    /// The protobuf wire type of one value (a packed repeated field is length-delimited as a whole).
    package var wireType: UInt32 {
        switch self {
        case .bool, .int32, .int64, .uint32, .uint64, .sint32, .enumeration: 0
        case .fixed64, .sfixed64, .double: 1
        case .string, .bytes, .hexBytes, .message: 2
        case .fixed32: 5
        }
    }
}

/// The OTLP enums, whose JSON value may be the value's name.
package enum OTLPJSONEnum: Sendable {
    case severityNumber, spanKind, statusCode, aggregationTemporality

    /// The names, indexed by value.
    package var names: [StaticString] {
        switch self {
        case .severityNumber: Self.severityNames
        case .spanKind: Self.spanKindNames
        case .statusCode: Self.statusCodeNames
        case .aggregationTemporality: Self.temporalityNames
        }
    }

    private static let severityNames: [StaticString] = [
        "SEVERITY_NUMBER_UNSPECIFIED",
        "SEVERITY_NUMBER_TRACE", "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3", "SEVERITY_NUMBER_TRACE4",
        "SEVERITY_NUMBER_DEBUG", "SEVERITY_NUMBER_DEBUG2", "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
        "SEVERITY_NUMBER_INFO", "SEVERITY_NUMBER_INFO2", "SEVERITY_NUMBER_INFO3", "SEVERITY_NUMBER_INFO4",
        "SEVERITY_NUMBER_WARN", "SEVERITY_NUMBER_WARN2", "SEVERITY_NUMBER_WARN3", "SEVERITY_NUMBER_WARN4",
        "SEVERITY_NUMBER_ERROR", "SEVERITY_NUMBER_ERROR2", "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
        "SEVERITY_NUMBER_FATAL", "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3", "SEVERITY_NUMBER_FATAL4",
    ]
    private static let spanKindNames: [StaticString] = [
        "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
        "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
    ]
    private static let statusCodeNames: [StaticString] = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"]
    private static let temporalityNames: [StaticString] = [
        "AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE",
    ]
}

extension OTLPJSONMessage {
    /// The fields of this message, in field-number order where the .proto allows.
    package var fields: [OTLPJSONField] {
        switch self {
        case .exportLogsServiceRequest: Self.exportLogsFields
        case .resourceLogs: Self.resourceLogsFields
        case .scopeLogs: Self.scopeLogsFields
        case .logRecord: Self.logRecordFields
        case .exportMetricsServiceRequest: Self.exportMetricsFields
        case .resourceMetrics: Self.resourceMetricsFields
        case .scopeMetrics: Self.scopeMetricsFields
        case .metric: Self.metricFields
        case .gauge: Self.gaugeFields
        case .summary: Self.summaryFields
        case .sum: Self.sumFields
        case .histogram: Self.histogramFields
        case .exponentialHistogram: Self.exponentialHistogramFields
        case .numberDataPoint: Self.numberDataPointFields
        case .histogramDataPoint: Self.histogramDataPointFields
        case .exponentialHistogramDataPoint: Self.exponentialHistogramDataPointFields
        case .buckets: Self.bucketsFields
        case .summaryDataPoint: Self.summaryDataPointFields
        case .valueAtQuantile: Self.valueAtQuantileFields
        case .exemplar: Self.exemplarFields
        case .exportTraceServiceRequest: Self.exportTraceFields
        case .resourceSpans: Self.resourceSpansFields
        case .scopeSpans: Self.scopeSpansFields
        case .span: Self.spanFields
        case .event: Self.eventFields
        case .link: Self.linkFields
        case .status: Self.statusFields
        case .resource: Self.resourceFields
        case .entityRef: Self.entityRefFields
        case .instrumentationScope: Self.scopeFields
        case .keyValue: Self.keyValueFields
        case .anyValue: Self.anyValueFields
        case .arrayValue: Self.arrayValueFields
        case .keyValueList: Self.keyValueListFields
        }
    }

    // MARK: Logs

    private static let exportLogsFields = [F("resourceLogs", "resource_logs", 1, .message(.resourceLogs), .repeated)]
    private static let resourceLogsFields = [
        F("resource", 1, .message(.resource)),
        F("scopeLogs", "scope_logs", 2, .message(.scopeLogs), .repeated),
        F("schemaUrl", "schema_url", 3, .string),
    ]
    private static let scopeLogsFields = [
        F("scope", 1, .message(.instrumentationScope)),
        F("logRecords", "log_records", 2, .message(.logRecord), .repeated),
        F("schemaUrl", "schema_url", 3, .string),
    ]
    private static let logRecordFields = [
        F("timeUnixNano", "time_unix_nano", 1, .fixed64),
        F("severityNumber", "severity_number", 2, .enumeration(.severityNumber)),
        F("severityText", "severity_text", 3, .string),
        F("body", 5, .message(.anyValue)),
        F("attributes", 6, .message(.keyValue), .repeated),
        F("droppedAttributesCount", "dropped_attributes_count", 7, .uint32),
        F("flags", 8, .fixed32),
        F("traceId", "trace_id", 9, .hexBytes(16)),
        F("spanId", "span_id", 10, .hexBytes(8)),
        F("observedTimeUnixNano", "observed_time_unix_nano", 11, .fixed64),
        F("eventName", "event_name", 12, .string),
    ]

    // MARK: Metrics

    private static let exportMetricsFields = [F("resourceMetrics", "resource_metrics", 1, .message(.resourceMetrics), .repeated)]
    private static let resourceMetricsFields = [
        F("resource", 1, .message(.resource)),
        F("scopeMetrics", "scope_metrics", 2, .message(.scopeMetrics), .repeated),
        F("schemaUrl", "schema_url", 3, .string),
    ]
    private static let scopeMetricsFields = [
        F("scope", 1, .message(.instrumentationScope)),
        F("metrics", 2, .message(.metric), .repeated),
        F("schemaUrl", "schema_url", 3, .string),
    ]
    private static let metricFields = [
        F("name", 1, .string),
        F("description", 2, .string),
        F("unit", 3, .string),
        F("gauge", 5, .message(.gauge)),
        F("sum", 7, .message(.sum)),
        F("histogram", 9, .message(.histogram)),
        F("exponentialHistogram", "exponential_histogram", 10, .message(.exponentialHistogram)),
        F("summary", 11, .message(.summary)),
        F("metadata", 12, .message(.keyValue), .repeated),
    ]
    private static let gaugeFields = [F("dataPoints", "data_points", 1, .message(.numberDataPoint), .repeated)]
    private static let summaryFields = [F("dataPoints", "data_points", 1, .message(.summaryDataPoint), .repeated)]
    private static let sumFields = [
        F("dataPoints", "data_points", 1, .message(.numberDataPoint), .repeated),
        F("aggregationTemporality", "aggregation_temporality", 2, .enumeration(.aggregationTemporality)),
        F("isMonotonic", "is_monotonic", 3, .bool),
    ]
    private static let histogramFields = [
        F("dataPoints", "data_points", 1, .message(.histogramDataPoint), .repeated),
        F("aggregationTemporality", "aggregation_temporality", 2, .enumeration(.aggregationTemporality)),
    ]
    private static let exponentialHistogramFields = [
        F("dataPoints", "data_points", 1, .message(.exponentialHistogramDataPoint), .repeated),
        F("aggregationTemporality", "aggregation_temporality", 2, .enumeration(.aggregationTemporality)),
    ]
    private static let numberDataPointFields = [
        F("startTimeUnixNano", "start_time_unix_nano", 2, .fixed64),
        F("timeUnixNano", "time_unix_nano", 3, .fixed64),
        F("asDouble", "as_double", 4, .double, .optional),
        F("exemplars", 5, .message(.exemplar), .repeated),
        F("asInt", "as_int", 6, .sfixed64, .optional),
        F("attributes", 7, .message(.keyValue), .repeated),
        F("flags", 8, .uint32),
    ]
    private static let histogramDataPointFields = [
        F("startTimeUnixNano", "start_time_unix_nano", 2, .fixed64),
        F("timeUnixNano", "time_unix_nano", 3, .fixed64),
        F("count", 4, .fixed64),
        F("sum", 5, .double, .optional),
        F("bucketCounts", "bucket_counts", 6, .fixed64, .repeated),
        F("explicitBounds", "explicit_bounds", 7, .double, .repeated),
        F("exemplars", 8, .message(.exemplar), .repeated),
        F("attributes", 9, .message(.keyValue), .repeated),
        F("flags", 10, .uint32),
        F("min", 11, .double, .optional),
        F("max", 12, .double, .optional),
    ]
    private static let exponentialHistogramDataPointFields = [
        F("attributes", 1, .message(.keyValue), .repeated),
        F("startTimeUnixNano", "start_time_unix_nano", 2, .fixed64),
        F("timeUnixNano", "time_unix_nano", 3, .fixed64),
        F("count", 4, .fixed64),
        F("sum", 5, .double, .optional),
        F("scale", 6, .sint32),
        F("zeroCount", "zero_count", 7, .fixed64),
        F("positive", 8, .message(.buckets)),
        F("negative", 9, .message(.buckets)),
        F("flags", 10, .uint32),
        F("exemplars", 11, .message(.exemplar), .repeated),
        F("min", 12, .double, .optional),
        F("max", 13, .double, .optional),
        F("zeroThreshold", "zero_threshold", 14, .double),
    ]
    private static let bucketsFields = [
        F("offset", 1, .sint32),
        F("bucketCounts", "bucket_counts", 2, .uint64, .repeated),
    ]
    private static let summaryDataPointFields = [
        F("startTimeUnixNano", "start_time_unix_nano", 2, .fixed64),
        F("timeUnixNano", "time_unix_nano", 3, .fixed64),
        F("count", 4, .fixed64),
        F("sum", 5, .double),
        F("quantileValues", "quantile_values", 6, .message(.valueAtQuantile), .repeated),
        F("attributes", 7, .message(.keyValue), .repeated),
        F("flags", 8, .uint32),
    ]
    private static let valueAtQuantileFields = [F("quantile", 1, .double), F("value", 2, .double)]
    private static let exemplarFields = [
        F("timeUnixNano", "time_unix_nano", 2, .fixed64),
        F("asDouble", "as_double", 3, .double, .optional),
        F("spanId", "span_id", 4, .hexBytes(8)),
        F("traceId", "trace_id", 5, .hexBytes(16)),
        F("asInt", "as_int", 6, .sfixed64, .optional),
        F("filteredAttributes", "filtered_attributes", 7, .message(.keyValue), .repeated),
    ]

    // MARK: Traces

    private static let exportTraceFields = [F("resourceSpans", "resource_spans", 1, .message(.resourceSpans), .repeated)]
    private static let resourceSpansFields = [
        F("resource", 1, .message(.resource)),
        F("scopeSpans", "scope_spans", 2, .message(.scopeSpans), .repeated),
        F("schemaUrl", "schema_url", 3, .string),
    ]
    private static let scopeSpansFields = [
        F("scope", 1, .message(.instrumentationScope)),
        F("spans", 2, .message(.span), .repeated),
        F("schemaUrl", "schema_url", 3, .string),
    ]
    private static let spanFields = [
        F("traceId", "trace_id", 1, .hexBytes(16)),
        F("spanId", "span_id", 2, .hexBytes(8)),
        F("traceState", "trace_state", 3, .string),
        F("parentSpanId", "parent_span_id", 4, .hexBytes(8)),
        F("name", 5, .string),
        F("kind", 6, .enumeration(.spanKind)),
        F("startTimeUnixNano", "start_time_unix_nano", 7, .fixed64),
        F("endTimeUnixNano", "end_time_unix_nano", 8, .fixed64),
        F("attributes", 9, .message(.keyValue), .repeated),
        F("droppedAttributesCount", "dropped_attributes_count", 10, .uint32),
        F("events", 11, .message(.event), .repeated),
        F("droppedEventsCount", "dropped_events_count", 12, .uint32),
        F("links", 13, .message(.link), .repeated),
        F("droppedLinksCount", "dropped_links_count", 14, .uint32),
        F("status", 15, .message(.status)),
        F("flags", 16, .fixed32),
    ]
    private static let eventFields = [
        F("timeUnixNano", "time_unix_nano", 1, .fixed64),
        F("name", 2, .string),
        F("attributes", 3, .message(.keyValue), .repeated),
        F("droppedAttributesCount", "dropped_attributes_count", 4, .uint32),
    ]
    private static let linkFields = [
        F("traceId", "trace_id", 1, .hexBytes(16)),
        F("spanId", "span_id", 2, .hexBytes(8)),
        F("traceState", "trace_state", 3, .string),
        F("attributes", 4, .message(.keyValue), .repeated),
        F("droppedAttributesCount", "dropped_attributes_count", 5, .uint32),
        F("flags", 6, .fixed32),
    ]
    private static let statusFields = [F("message", 2, .string), F("code", 3, .enumeration(.statusCode))]

    // MARK: Common

    private static let resourceFields = [
        F("attributes", 1, .message(.keyValue), .repeated),
        F("droppedAttributesCount", "dropped_attributes_count", 2, .uint32),
        F("entityRefs", "entity_refs", 3, .message(.entityRef), .repeated),
    ]
    private static let entityRefFields = [
        F("schemaUrl", "schema_url", 1, .string),
        F("type", 2, .string),
        F("idKeys", "id_keys", 3, .string, .repeated),
        F("descriptionKeys", "description_keys", 4, .string, .repeated),
    ]
    private static let scopeFields = [
        F("name", 1, .string),
        F("version", 2, .string),
        F("attributes", 3, .message(.keyValue), .repeated),
        F("droppedAttributesCount", "dropped_attributes_count", 4, .uint32),
    ]
    private static let keyValueFields = [F("key", 1, .string), F("value", 2, .message(.anyValue))]
    private static let anyValueFields = [
        F("stringValue", "string_value", 1, .string, .optional),
        F("boolValue", "bool_value", 2, .bool, .optional),
        F("intValue", "int_value", 3, .int64, .optional),
        F("doubleValue", "double_value", 4, .double, .optional),
        F("arrayValue", "array_value", 5, .message(.arrayValue)),
        F("kvlistValue", "kvlist_value", 6, .message(.keyValueList)),
        F("bytesValue", "bytes_value", 7, .bytes, .optional),
    ]
    private static let arrayValueFields = [F("values", 1, .message(.anyValue), .repeated)]
    private static let keyValueListFields = [F("values", 1, .message(.keyValue), .repeated)]
}

private typealias F = OTLPJSONField
