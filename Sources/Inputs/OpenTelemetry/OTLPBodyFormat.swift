import NIOHTTP1

/// How an OTLP/HTTP request body is encoded, read from its headers.
struct OTLPBodyFormat: Equatable {
    /// `application/json` (else `application/x-protobuf`).
    var json: Bool
    /// `Content-Encoding: gzip`.
    var gzip: Bool

    /// The format `headers` announce, or why it is not one OTLP/HTTP takes (answered 415).
    static func of(_ headers: HTTPHeaders) -> Result<OTLPBodyFormat, OTLPRefusal> {
        let type = headers.first(name: "Content-Type").map { $0.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased() }
        let json: Bool
        switch type {
        case "application/x-protobuf", "application/protobuf": json = false
        case "application/json": json = true
        default:
            return .failure(OTLPRefusal(.unsupportedMediaType,
                                        "content type \(type ?? "(none)") is neither application/x-protobuf nor application/json"))
        }
        let encoding = headers.first(name: "Content-Encoding")?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch encoding {
        case "", "identity": return .success(OTLPBodyFormat(json: json, gzip: false))
        case "gzip", "x-gzip": return .success(OTLPBodyFormat(json: json, gzip: true))
        default: return .failure(OTLPRefusal(.unsupportedMediaType, "content encoding \(encoding) (OTLP/HTTP takes gzip or none)"))
        }
    }

    /// The `Content-Type` of an answer to a request in this format.
    var contentType: String { json ? "application/json" : "application/x-protobuf" }
}

/// Why a request is refused: its status and a message for the client and the log.
struct OTLPRefusal: Error {
    let status: HTTPResponseStatus
    let message: String

    init(_ status: HTTPResponseStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The gRPC code OTLP pairs with the status in a `google.rpc.Status` body.
    var grpcCode: Int {
        switch status {
        case .badRequest, .payloadTooLarge, .unsupportedMediaType, .notFound, .methodNotAllowed: 3  // INVALID_ARGUMENT
        case .unauthorized: 16  // UNAUTHENTICATED
        case .tooManyRequests: 8  // RESOURCE_EXHAUSTED
        default: 14  // UNAVAILABLE
        }
    }
}
