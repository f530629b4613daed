import NIOCore

/// `GET /v1/tap/{id}?port=NAME&limit=N`: checks the request against the pipeline and
/// answers an NDJSON stream of what the component sends (see `TapStream`), or why not.
enum TapRoute {
    static let prefix = "/v1/tap/"

    /// The answer for `request`, whose path starts with `prefix`.
    static func response(_ request: SimpleHTTPServer.Request, topology: Topology) -> SimpleHTTPServer.Response {
        let id = String(request.path.dropFirst(prefix.count))
        guard let component = topology.config.component(id) else {
            let ids = topology.config.components.filter { $0.role != .output }.map(\.id)
            return .init(status: .notFound, text: "no component \"\(id)\" in this pipeline; inputs and transforms: \(ids.joined(separator: ", "))\n")
        }
        guard component.role != .output else {
            let inputs = component.upstreams.map(\.description).joined(separator: ", ")
            return .init(status: .badRequest, text: "\"\(id)\" is an output: outputs send nothing downstream; tap its inputs instead: \(inputs)\n")
        }
        var port = 0
        if let name = request.query("port"), !name.isEmpty {
            guard let index = component.config.ports.firstIndex(of: name) else {
                let ports = component.config.ports
                let known = ports.isEmpty ? "it has only its default port" : "its ports: \(ports.joined(separator: ", "))"
                return .init(status: .badRequest, text: "\"\(id)\" has no port \"\(name)\"; \(known) (without port=, the default port is tapped)\n")
            }
            port = index + 1
        }
        var limit: Int?
        if let text = request.query("limit") {
            guard let n = Int(text), n > 0 else {
                return .init(status: .badRequest, text: "limit=\(text): expected a whole number of events above 0\n")
            }
            limit = n
        }
        guard let point = topology.tapPoint(id) else {
            return .init(status: .notFound, text: "\"\(id)\" is not running\n")
        }
        if request.method == .HEAD { return .init(contentType: "application/x-ndjson", body: ByteBuffer()) }
        let (watched, wanted) = (port, limit)
        return .stream(contentType: "application/x-ndjson") { writer in
            let subscription = point.subscribe(port: watched, limit: wanted)
            await TapStream.run(subscription, of: point, limit: wanted, writer: writer)
        }
    }
}
