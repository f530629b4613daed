/// Checks and counts an `ExportTraceServiceRequest` body as the OTLP input receives it,
/// without decoding names or attributes and without allocating: the input's hot path.
///
///     ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
///     ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; schema_url = 3 }
///     ScopeSpans    { InstrumentationScope scope = 1; repeated Span spans = 2; schema_url = 3 }
///     Span          { bytes trace_id = 1; bytes span_id = 2; … bytes parent_span_id = 4; … }
///
/// The wire structure is checked down to each span's fields and its status (a known field
/// with the wrong wire type is refused), and the ids as the OTLP spec defines them: a trace
/// id of 16 bytes and a span id of 8, neither all zeros, a parent span id empty or of 8
/// bytes. Span attributes, events and links are skipped; resource attributes (read once per
/// resource, for `service.name`) and scope names are checked, so that `OTLPSpanReader`
/// walks every span of a request the scanner accepted without an error; reading a span's
/// attributes, events or links can still meet malformed bytes, and its readers handle that
/// span by span.
package enum OTLPTraceScanner {
    /// Why a request was refused, and where: `resource_spans[1].scope_spans[0].spans[3]: …`.
    package struct Invalid: Error, CustomStringConvertible {
        /// Index of the `ResourceSpans`, of the `ScopeSpans` in it and of the span in that,
        /// as far as the scanner got (nil when the problem is above that level).
        package let resource: Int?, scope: Int?, span: Int?
        package let problem: Problem

        /// What is wrong.
        package enum Problem: Sendable {
            /// The protobuf itself is malformed.
            case malformed(ProtobufReader.Malformed)
            /// A known field (named) has the wrong wire type.
            case wireType(field: StaticString)
            /// An id has a length the spec does not allow.
            case idLength(ID, length: Int)
            /// An id is all zeros, which the spec calls invalid.
            case zeroID(ID)
        }

        /// The span's ids, by field name.
        package enum ID: String, Sendable {
            case traceID = "trace_id", spanID = "span_id", parentSpanID = "parent_span_id"

            /// The lengths the spec allows.
            var allowed: String {
                switch self {
                case .traceID: "16"
                case .spanID: "8"
                case .parentSpanID: "0 or 8"
                }
            }
        }

        package var description: String {
            var place = "request"
            if let resource { place = "resource_spans[\(resource)]" }
            if let scope { place += ".scope_spans[\(scope)]" }
            if let span { place += ".spans[\(span)]" }
            switch problem {
            case .malformed(let m): return "\(place): \(m)"
            case .wireType(let field): return "\(place): \(field) has the wrong wire type"
            case .idLength(let id, let length): return "\(place): \(id.rawValue) is \(length) bytes, want \(id.allowed)"
            case .zeroID(let id): return "\(place): \(id.rawValue) is all zeros"
            }
        }
    }

    /// Where the scan is, for an `Invalid`.
    private struct Position {
        var resource: Int?, scope: Int?, span: Int?
        func invalid(_ problem: Invalid.Problem) -> Invalid {
            Invalid(resource: resource, scope: scope, span: span, problem: problem)
        }
    }

    /// Counts the `ResourceSpans` and spans of `request`, or throws where it is invalid.
    package static func scan(_ request: UnsafeRawBufferPointer) throws(Invalid) -> (resources: Int, spans: Int) {
        var at = Position()
        var reader = ProtobufReader(request)
        var resources = 0, spans = 0
        while let f = try next(&reader, at) {
            guard f.number == 1 else { continue }
            at.resource = resources
            let range = try bytes(f, "ExportTraceServiceRequest.resource_spans", at)
            spans += try scanResource(request, range, &at)
            at = Position()
            resources += 1
        }
        return (resources, spans)
    }

    private static func scanResource(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ at: inout Position) throws(Invalid) -> Int {
        var reader = ProtobufReader(buffer, range: range)
        var scopes = 0, spans = 0
        while let f = try next(&reader, at) {
            switch f.number {
            case 1: try scanResourceHeader(buffer, bytes(f, "ResourceSpans.resource", at), at)
            case 2:
                at.scope = scopes
                spans += try scanScope(buffer, bytes(f, "ResourceSpans.scope_spans", at), &at)
                at.scope = nil
                scopes += 1
            case 3: _ = try bytes(f, "ResourceSpans.schema_url", at)
            default: break
            }
        }
        return spans
    }

    private static func scanScope(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ at: inout Position) throws(Invalid) -> Int {
        var reader = ProtobufReader(buffer, range: range)
        var spans = 0
        while let f = try next(&reader, at) {
            switch f.number {
            case 1: try scanScopeHeader(buffer, bytes(f, "ScopeSpans.scope", at), at)
            case 2:
                at.span = spans
                try scanSpan(buffer, bytes(f, "ScopeSpans.spans", at), at)
                at.span = nil
                spans += 1
            case 3: _ = try bytes(f, "ScopeSpans.schema_url", at)
            default: break
            }
        }
        return spans
    }

    /// Checks one span's fields (see the type's documentation).
    @inline(__always)
    private static func scanSpan(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ at: Position) throws(Invalid) {
        var reader = ProtobufReader(buffer, range: range)
        let none = range.lowerBound..<range.lowerBound
        var traceID = none, spanID = none, parentSpanID = none
        while let f = try next(&reader, at) {
            switch (f.number, f.value) {
            case (1, .bytes(let r)): traceID = r
            case (2, .bytes(let r)): spanID = r
            case (4, .bytes(let r)): parentSpanID = r
            case (15, .bytes(let r)): try scanStatus(buffer, r, at)
            case (3, .bytes), (5, .bytes), (9, .bytes), (11, .bytes), (13, .bytes),
                 (6, .varint), (10, .varint), (12, .varint), (14, .varint),
                 (7, .fixed64), (8, .fixed64), (16, .fixed32):
                break
            case (1...16, _): throw at.invalid(.wireType(field: spanFieldName(f.number)))
            default: break
            }
        }
        guard traceID.count == 16 else { throw at.invalid(.idLength(.traceID, length: traceID.count)) }
        guard spanID.count == 8 else { throw at.invalid(.idLength(.spanID, length: spanID.count)) }
        guard parentSpanID.isEmpty || parentSpanID.count == 8 else {
            throw at.invalid(.idLength(.parentSpanID, length: parentSpanID.count))
        }
        let trace = buffer.loadUnaligned(fromByteOffset: traceID.lowerBound, as: UInt64.self)
            | buffer.loadUnaligned(fromByteOffset: traceID.lowerBound + 8, as: UInt64.self)
        guard trace != 0 else { throw at.invalid(.zeroID(.traceID)) }
        guard buffer.loadUnaligned(fromByteOffset: spanID.lowerBound, as: UInt64.self) != 0 else {
            throw at.invalid(.zeroID(.spanID))
        }
    }

    /// `Status { string message = 2; StatusCode code = 3 }`.
    private static func scanStatus(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ at: Position) throws(Invalid) {
        var reader = ProtobufReader(buffer, range: range)
        while let f = try next(&reader, at) {
            switch (f.number, f.value) {
            case (2, .bytes), (3, .varint): break
            case (2, _): throw at.invalid(.wireType(field: "status.message"))
            case (3, _): throw at.invalid(.wireType(field: "status.code"))
            default: break
            }
        }
    }

    /// `Resource { repeated KeyValue attributes = 1; … }`: each attribute's key and the
    /// top level of its value.
    private static func scanResourceHeader(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ at: Position) throws(Invalid) {
        var reader = ProtobufReader(buffer, range: range)
        while let f = try next(&reader, at) {
            guard f.number == 1 else { continue }
            let entry = try bytes(f, "Resource.attributes", at)
            do {
                _ = try OTLPKeyValues.entry(buffer, entry)
            } catch {
                throw at.invalid(.malformed(error))
            }
        }
    }

    /// `InstrumentationScope { string name = 1; string version = 2; … }`.
    private static func scanScopeHeader(_ buffer: UnsafeRawBufferPointer, _ range: Range<Int>, _ at: Position) throws(Invalid) {
        var reader = ProtobufReader(buffer, range: range)
        while let f = try next(&reader, at) {
            switch f.number {
            case 1: _ = try bytes(f, "InstrumentationScope.name", at)
            case 2: _ = try bytes(f, "InstrumentationScope.version", at)
            default: break
            }
        }
    }

    @inline(__always)
    private static func next(_ reader: inout ProtobufReader, _ at: Position) throws(Invalid) -> ProtobufField? {
        do {
            return try reader.next()
        } catch {
            throw at.invalid(.malformed(error))
        }
    }

    @inline(__always)
    private static func bytes(_ field: ProtobufField, _ name: StaticString, _ at: Position) throws(Invalid) -> Range<Int> {
        guard case .bytes(let r) = field.value else { throw at.invalid(.wireType(field: name)) }
        return r
    }

    private static func spanFieldName(_ number: UInt32) -> StaticString {
        switch number {
        case 1: "trace_id"
        case 2: "span_id"
        case 3: "trace_state"
        case 4: "parent_span_id"
        case 5: "name"
        case 6: "kind"
        case 7: "start_time_unix_nano"
        case 8: "end_time_unix_nano"
        case 9: "attributes"
        case 10: "dropped_attributes_count"
        case 11: "events"
        case 12: "dropped_events_count"
        case 13: "links"
        case 14: "dropped_links_count"
        case 15: "status"
        default: "flags"
        }
    }
}
