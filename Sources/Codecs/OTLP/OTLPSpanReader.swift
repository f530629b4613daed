/// Walks the spans of an `ExportTraceServiceRequest` body for the stages that look inside
/// (`span_metrics`, the JSON lines), handing out an `OTLPSpanView` per span.
///
///     ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
///     ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2 }
///     ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2 }
///
/// A resource or scope may follow its children on the wire, so each `ResourceSpans` and
/// `ScopeSpans` is read twice: once for its header, once for its children. Nothing is
/// allocated; unknown fields are skipped.
package enum OTLPSpanReader {
    /// Calls `body` with each span of `request`, in wire order. Throws
    /// `ProtobufReader.Malformed` where the request is malformed (after the spans before it),
    /// or what `body` throws.
    package static func forEachSpan(_ request: UnsafeRawBufferPointer, _ body: (OTLPSpanView) throws -> Void) throws {
        var top = ProtobufReader(request)
        while let f = try top.next() {
            guard f.number == 1 else { continue }
            try forEachSpan(inResource: try message(f, "ExportTraceServiceRequest.resource_spans", top.offset), request, body)
        }
    }

    private static func forEachSpan(inResource range: Range<Int>, _ buffer: UnsafeRawBufferPointer,
                                    _ body: (OTLPSpanView) throws -> Void) throws {
        var resource = range.lowerBound..<range.lowerBound
        var reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            if f.number == 1 { resource = try message(f, "ResourceSpans.resource", reader.offset) }
        }
        let serviceName = try OTLPKeyValues(buffer: buffer, message: resource, field: 1)
            .first(key: "service.name")?.stringBytes ?? UnsafeRawBufferPointer(rebasing: buffer[0..<0])
        reader = ProtobufReader(buffer, range: range)
        while let f = try reader.next() {
            guard f.number == 2 else { continue }
            let scopeSpans = try message(f, "ResourceSpans.scope_spans", reader.offset)
            var scope = scopeSpans.lowerBound..<scopeSpans.lowerBound
            var inner = ProtobufReader(buffer, range: scopeSpans)
            while let s = try inner.next() {
                if s.number == 1 { scope = try message(s, "ScopeSpans.scope", inner.offset) }
            }
            let (name, version) = try scopeNameAndVersion(buffer, scope)
            inner = ProtobufReader(buffer, range: scopeSpans)
            while let s = try inner.next() {
                guard s.number == 2 else { continue }
                let span = try message(s, "ScopeSpans.spans", inner.offset)
                try body(OTLPSpanView(buffer: buffer, resource: resource, serviceName: serviceName, scope: scope,
                                      scopeName: name, scopeVersion: version, span: span))
            }
        }
    }

    /// `InstrumentationScope { string name = 1; string version = 2 }`.
    private static func scopeNameAndVersion(_ buffer: UnsafeRawBufferPointer, _ scope: Range<Int>)
        throws(ProtobufReader.Malformed) -> (Range<Int>, Range<Int>) {
        var name = scope.lowerBound..<scope.lowerBound, version = name
        var reader = ProtobufReader(buffer, range: scope)
        while let f = try reader.next() {
            switch f.number {
            case 1: name = try message(f, "InstrumentationScope.name", reader.offset)
            case 2: version = try message(f, "InstrumentationScope.version", reader.offset)
            default: break
            }
        }
        return (name, version)
    }

    /// The range of a length-delimited field, or a `Malformed` naming it (at `offset`, the
    /// end of the field).
    private static func message(_ field: ProtobufField, _ what: StaticString, _ offset: Int) throws(ProtobufReader.Malformed) -> Range<Int> {
        guard case .bytes(let r) = field.value else {
            throw ProtobufReader.Malformed(offset: offset, reason: "\(what) is not length-delimited")
        }
        return r
    }
}
