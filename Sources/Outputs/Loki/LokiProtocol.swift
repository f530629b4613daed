import NIOCore

/// Loki's push as the delivery driver sees it: the same body on every attempt, and Loki's
/// answers as measured on Loki 2.8 (PROTOCOLS.md "Loki push"):
///
/// | answer                                              | outcome                  |
/// |-----------------------------------------------------|--------------------------|
/// | 2xx (204)                                           | delivered                |
/// | 413, or 500 `grpc: received message larger than max`| split in halves          |
/// | 429, other 5xx, no answer                           | retry (Retry-After)      |
/// | 400 and other 4xx                                   | reject: dead letter      |
///
/// A 400 is never retried: Loki stores the valid streams of a push and answers 400 for the
/// others (out of order, too old, line too long, bad labels), so sending it again would
/// duplicate what was stored. Sending the same 4 MB body again would get the same 500.
struct LokiProtocol: DeliveryProtocol {
    typealias Transport = DeliveryHTTPTransport

    /// The text of the gRPC error Loki's distributor answers with for a push over 4 MiB.
    static let messageTooLarge: StaticString = "grpc: received message larger than max"

    let classifier: DeliveryHTTPClassifier

    func prepare(_ payload: LokiPayload, attempt: Int) -> DeliveryHTTPRequest {
        DeliveryHTTPRequest(body: payload.body)
    }

    func classify(_ result: DeliveryResult<DeliveryHTTPResponse>, of payload: LokiPayload) -> DeliveryOutcome<Never> {
        if case .response(let response) = result, response.status == 500, Self.says(response.body, Self.messageTooLarge) {
            return .split(classifier.failure(response))
        }
        return classifier.classify(result)
    }

    /// True when `body` contains `text`.
    private static func says(_ body: ByteBuffer, _ text: StaticString) -> Bool {
        let needle = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        return body.withUnsafeReadableBytes { haystack in
            guard haystack.count >= needle.count else { return false }
            for start in 0...(haystack.count - needle.count)
            where haystack[start] == needle[0] && UnsafeRawBufferPointer(rebasing: haystack[start..<start + needle.count]).elementsEqual(needle) {
                return true
            }
            return false
        }
    }
}
