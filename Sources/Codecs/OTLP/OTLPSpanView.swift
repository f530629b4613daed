/// One span of an `ExportTraceServiceRequest` body with its resource and scope, as
/// `OTLPSpanReader` hands it out: byte ranges and numbers read in place, nothing decoded
/// or allocated. Attribute values are read when looked up. Valid only inside the
/// `forEachSpan` call that produced it (it points into the request).
package struct OTLPSpanView {
    /// The request buffer every range indexes into.
    package let buffer: UnsafeRawBufferPointer

    /// The `Resource` message (empty when the resource is absent).
    package let resource: Range<Int>
    /// The resource's `service.name` string attribute, or empty.
    package let serviceName: UnsafeRawBufferPointer
    /// The `InstrumentationScope` message (empty when absent).
    package let scope: Range<Int>
    /// The scope's name and version strings.
    package let scopeName: Range<Int>, scopeVersion: Range<Int>

    /// The `Span` message itself.
    package let span: Range<Int>
    /// Span fields 1, 2, 4 and 3: ids as raw bytes (16, 8, 0 or 8), the W3C trace state.
    package private(set) var traceID: Range<Int>, spanID: Range<Int>, parentSpanID: Range<Int>, traceState: Range<Int>
    /// Span field 5.
    package private(set) var name: Range<Int>
    /// Span field 6: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    package private(set) var kind = 0
    /// Span fields 7 and 8.
    package private(set) var startTimeUnixNano: UInt64 = 0, endTimeUnixNano: UInt64 = 0
    /// Span field 16 (W3C trace flags in the low byte).
    package private(set) var flags: UInt32 = 0
    /// Status field 3: 0 unset, 1 ok, 2 error.
    package private(set) var statusCode = 0
    /// Status field 2.
    package private(set) var statusMessage: Range<Int>
    /// How many events (field 11) and links (field 13) the span holds.
    package private(set) var eventCount = 0, linkCount = 0

    /// Reads the span at `span`; resource and scope were read by the caller once for all
    /// their spans.
    init(buffer: UnsafeRawBufferPointer, resource: Range<Int>, serviceName: UnsafeRawBufferPointer,
         scope: Range<Int>, scopeName: Range<Int>, scopeVersion: Range<Int>,
         span: Range<Int>) throws(ProtobufReader.Malformed) {
        self.buffer = buffer
        self.resource = resource
        self.serviceName = serviceName
        self.scope = scope
        self.scopeName = scopeName
        self.scopeVersion = scopeVersion
        self.span = span
        let none = span.lowerBound..<span.lowerBound
        (traceID, spanID, parentSpanID, traceState, name, statusMessage) = (none, none, none, none, none, none)
        var reader = ProtobufReader(buffer, range: span)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (1, .bytes(let r)): traceID = r
            case (2, .bytes(let r)): spanID = r
            case (3, .bytes(let r)): traceState = r
            case (4, .bytes(let r)): parentSpanID = r
            case (5, .bytes(let r)): name = r
            case (6, .varint(let v)): kind = Int(truncatingIfNeeded: Int32(truncatingIfNeeded: v))
            case (7, .fixed64(let v)): startTimeUnixNano = v
            case (8, .fixed64(let v)): endTimeUnixNano = v
            case (11, .bytes): eventCount += 1
            case (13, .bytes): linkCount += 1
            case (15, .bytes(let r)): try readStatus(r)
            case (16, .fixed32(let v)): flags = v
            case (1...8, _), (11, _), (13, _), (15, _), (16, _):
                throw ProtobufReader.Malformed(offset: span.lowerBound, reason: "Span field \(f.number) has the wrong wire type")
            default: break
            }
        }
    }

    private mutating func readStatus(_ range: Range<Int>) throws(ProtobufReader.Malformed) {
        var reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            switch (f.number, f.value) {
            case (2, .bytes(let r)): statusMessage = r
            case (3, .varint(let v)): statusCode = Int(truncatingIfNeeded: Int32(truncatingIfNeeded: v))
            case (2, _), (3, _):
                throw ProtobufReader.Malformed(offset: range.lowerBound, reason: "Status field \(f.number) has the wrong wire type")
            default: break
            }
        }
    }

    /// The bytes at `range` of the request (a name, an id, a message).
    @inlinable package func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[range])
    }

    /// The resource's attributes.
    package var resourceAttributes: OTLPKeyValues { OTLPKeyValues(buffer: buffer, message: resource, field: 1) }

    /// The value of the resource attribute keyed `key`, or nil.
    package func resourceAttribute(_ key: UnsafeRawBufferPointer) throws(ProtobufReader.Malformed) -> OTLPAnyValue? {
        try resourceAttributes.first(key: key)
    }

    /// The span's attributes (field 9).
    package var attributes: OTLPKeyValues { OTLPKeyValues(buffer: buffer, message: span, field: 9) }

    /// The value of the span attribute keyed `key` (a linear scan), or nil.
    package func attribute(key: UnsafeRawBufferPointer) throws(ProtobufReader.Malformed) -> OTLPAnyValue? {
        try attributes.first(key: key)
    }

    /// The value of the span attribute keyed `key`, or nil.
    package func attribute(key: StaticString) throws(ProtobufReader.Malformed) -> OTLPAnyValue? {
        try attributes.first(key: key)
    }

    /// Calls `body` with each event's time, name range and attributes, in wire order.
    ///
    ///     Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3 }
    package func forEachEvent(_ body: (_ timeUnixNano: UInt64, _ name: Range<Int>, _ attributes: OTLPKeyValues) throws -> Void) throws {
        var reader = ProtobufReader(buffer, range: span)
        while let f = try reader.next() {
            guard f.number == 11, case .bytes(let event) = f.value else { continue }
            var time: UInt64 = 0
            var name = event.lowerBound..<event.lowerBound
            var fields = ProtobufReader(buffer, range: event)
            while let e = try fields.next() {
                switch (e.number, e.value) {
                case (1, .fixed64(let v)): time = v
                case (2, .bytes(let r)): name = r
                case (1, _), (2, _):
                    throw ProtobufReader.Malformed(offset: event.lowerBound, reason: "Span.Event field \(e.number) has the wrong wire type")
                default: break
                }
            }
            try body(time, name, OTLPKeyValues(buffer: buffer, message: event, field: 3))
        }
    }

    /// Calls `body` with each link's trace id and span id ranges and attributes.
    ///
    ///     Link { bytes trace_id = 1; bytes span_id = 2; repeated KeyValue attributes = 4 }
    package func forEachLink(_ body: (_ traceID: Range<Int>, _ spanID: Range<Int>, _ attributes: OTLPKeyValues) throws -> Void) throws {
        var reader = ProtobufReader(buffer, range: span)
        while let f = try reader.next() {
            guard f.number == 13, case .bytes(let link) = f.value else { continue }
            var traceID = link.lowerBound..<link.lowerBound, spanID = traceID
            var fields = ProtobufReader(buffer, range: link)
            while let l = try fields.next() {
                switch (l.number, l.value) {
                case (1, .bytes(let r)): traceID = r
                case (2, .bytes(let r)): spanID = r
                case (1, _), (2, _):
                    throw ProtobufReader.Malformed(offset: link.lowerBound, reason: "Span.Link field \(l.number) has the wrong wire type")
                default: break
                }
            }
            try body(traceID, spanID, OTLPKeyValues(buffer: buffer, message: link, field: 4))
        }
    }
}
