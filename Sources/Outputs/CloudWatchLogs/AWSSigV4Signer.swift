import Codecs
import Crypto
import NIOCore

/// Signs HTTP requests with AWS Signature Version 4, in the `Authorization` header.
///
/// ```
/// canonical request    POST \n / \n <query> \n host:…\nx-amz-date:…\n \n host;x-amz-date \n hex(sha256(body))
/// string to sign       AWS4-HMAC-SHA256 \n 20150830T123600Z \n 20150830/us-east-1/service/aws4_request \n hex(sha256(canonical request))
/// signing key          HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
/// Authorization        AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=host;x-amz-date, Signature=hex(HMAC(key, string to sign))
/// ```
/// Header names are lower-cased and sorted, values trimmed with inner runs of spaces
/// collapsed (the SigV4 rules). Paths are signed as given (`/` for the JSON APIs);
/// this signer makes no query strings. Checked against AWS's published test suite
/// (`get-vanilla`, `post-vanilla`, `post-x-www-form-urlencoded`). Strings are made per
/// request, never per event.
package struct AWSSigV4Signer: Sendable {
    /// The parts of one signature, for tests and golden files.
    package struct Signature: Sendable, Equatable {
        package var canonicalRequest: String
        package var stringToSign: String
        package var signature: String
        package var authorization: String
    }

    package let credentials: AWSCredentials
    package let region: String
    package let service: String

    package init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Signs a request made at `unixSeconds` (which also gives `X-Amz-Date`: put
    /// `("X-Amz-Date", AWSSigV4Signer.amzDate(unixSeconds))` in `headers`).
    package func sign(method: String, path: String, headers: [(String, String)], payloadHash: String,
                      unixSeconds: Int64) -> Signature {
        let canonicalHeaders = headers.map { (Self.lowercased($0.0), Self.trimmed($0.1)) }.sorted { $0.0 < $1.0 }
        let signedHeaders = canonicalHeaders.map(\.0).joined(separator: ";")
        var canonical = "\(method)\n\(path)\n\n"
        for (name, value) in canonicalHeaders { canonical += "\(name):\(value)\n" }
        canonical += "\n\(signedHeaders)\n\(payloadHash)"
        let timestamp = Self.amzDate(unixSeconds)
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(Self.hex(SHA256.hash(data: Array(canonical.utf8))))"
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(canonicalRequest: canonical, stringToSign: stringToSign, signature: signature,
                         authorization: authorization)
    }

    /// The hex SHA-256 of `body`'s readable bytes (the payload hash).
    package static func payloadHash(_ body: ByteBuffer) -> String {
        var hasher = SHA256()
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return hex(hasher.finalize())
    }

    /// `20150830T123600Z`: the basic ISO 8601 form SigV4 uses, in UTC.
    package static func amzDate(_ unixSeconds: Int64) -> String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let (year, month, day) = RFC3339.civilDate(daysSinceEpoch: days)
        let second = unixSeconds - days * 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)\(two(month))\(two(day))T\(two(second / 3600))\(two(second / 60 % 60))\(two(second % 60))Z"
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ASCII lower case (header names are ASCII).
    private static func lowercased(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 &- 65 < 26 ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Leading and trailing spaces removed, inner runs of spaces as one.
    private static func trimmed(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for b in value.utf8 {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
                continue
            }
            if pendingSpace { out.append(UInt8(ascii: " ")) }
            pendingSpace = false
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
