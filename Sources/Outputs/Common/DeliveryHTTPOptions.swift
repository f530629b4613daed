import Pipeline
import TLSOptions

/// Where and how an HTTP output connects: `url`, `auth`, `headers`, `tls`.
///
/// - url (url, required): `http://` or `https://`; credentials go in `auth`, not the URL.
/// - auth.bearer_token (string): sends `Authorization: Bearer <token>`.
/// - auth.username, auth.password (string): HTTP basic auth; one or the other of bearer/basic.
///   An output may name the user key otherwise and accept `auth.api_key` (`AuthKeys`).
/// - headers (map): extra request headers; the protocol's own headers cannot be overridden.
/// - tls (mapping): client TLS, see `ClientTLSOptions`.
package struct DeliveryHTTPOptions: Sendable {
    /// Credentials sent with every request (never logged).
    package enum Auth: Sendable, Equatable {
        case bearer(String)
        case basic(username: String, password: String)
        /// Elasticsearch's API key (its `encoded` form): `Authorization: ApiKey <key>`.
        case apiKey(String)
    }

    /// The keys an output's `auth:` mapping takes besides `bearer_token` and `password`.
    package struct AuthKeys: Sendable {
        /// The basic-auth user's key: `username`, or `user` as Elasticsearch clients name it.
        package var user: String
        /// Whether `api_key` is accepted.
        package var apiKey: Bool

        package init(user: String = "username", apiKey: Bool = false) {
            self.user = user
            self.apiKey = apiKey
        }

        /// `{username, password}` and `{bearer_token}`.
        package static let standard = AuthKeys()

        /// What `auth:` expects, for messages.
        var expected: String {
            apiKey ? "\(user) and password, api_key, or bearer_token" : "bearer_token, or \(user) and password"
        }
    }

    package var url: String
    package var auth: Auth?
    package var headers: [(String, String)]
    package var tls: ClientTLSOptions?

    /// Options given in code (tests, embedding).
    package init(url: String, auth: Auth? = nil, headers: [(String, String)] = [], tls: ClientTLSOptions? = nil) {
        self.url = url
        self.auth = auth
        self.headers = headers
        self.tls = tls
    }

    /// Reads the options; `reserved` lists the (lower-case) headers the protocol sets itself,
    /// `authKeys` the keys `auth:` takes. With `urlKey` nil the output reads its URLs itself
    /// (`readURL`) and sets `url` before use.
    package init(reader: ConfigReader, reserved: [String], authKeys: AuthKeys = .standard, urlKey: String? = "url") {
        url = urlKey.flatMap { Self.readURL(reader, $0, required: true, authKeys: authKeys) } ?? ""
        auth = Self.readAuth(reader, keys: authKeys)
        headers = reader.stringMap("headers") ?? []
        let alwaysReserved = ["content-length", "host", "transfer-encoding", "connection"]
        for (name, _) in headers {
            let lower = name.lowercased()
            if name.isEmpty || name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F }) {
                reader.error("headers", "'\(name)' is not a valid header name")
            } else if reserved.contains(lower) || alwaysReserved.contains(lower) {
                reader.error("headers", "'\(name)' is set by the output itself and cannot be overridden")
            } else if lower == "authorization", auth != nil {
                reader.error("headers", "'\(name)' conflicts with auth:; set one of them")
            }
        }
        tls = reader.child("tls").map { ClientTLSOptions(reader: $0) }
    }

    /// The `http(s)://` URL at `key`, refusing credentials in it (they go in `auth`).
    package static func readURL(_ reader: ConfigReader, _ key: String, required: Bool,
                                authKeys: AuthKeys = .standard) -> String? {
        let url = reader.url(key, required: required)
        if let url, hasUserInfo(url) {
            let forms = authKeys.apiKey ? ", auth: {api_key}" : ""
            reader.error(key, "credentials in the URL are not supported; use auth: {\(authKeys.user), password}\(forms) or auth: {bearer_token}")
        }
        return url
    }

    /// The `Authorization` header value, if any.
    package var authorization: String? {
        switch auth {
        case .bearer(let token): "Bearer \(token)"
        case .basic(let user, let password): "Basic \(Self.base64(Array("\(user):\(password)".utf8)))"
        case .apiKey(let key): "ApiKey \(key)"
        case nil: nil
        }
    }

    private static func readAuth(_ reader: ConfigReader, keys: AuthKeys) -> Auth? {
        guard let a = reader.child("auth") else { return nil }
        defer { a.finish() }
        let token = a.string("bearer_token"), user = a.string(keys.user), password = a.string("password")
        let apiKey = keys.apiKey ? a.string("api_key") : nil
        switch (token, apiKey, user, password) {
        case (let token?, nil, nil, nil):
            return .bearer(token)
        case (nil, let key?, nil, nil):
            return .apiKey(key)
        case (nil, nil, let user?, let password?):
            return .basic(username: user, password: password)
        case (nil, nil, nil, nil):
            a.error(nil, "expected \(keys.expected)")
        case (_?, _, _, _) where !keys.apiKey:
            a.error("bearer_token", "use either bearer_token or \(keys.user)/password, not both")
        case (_?, _, _, _), (nil, _?, _, _):
            a.error(token != nil ? "bearer_token" : "api_key", "use one of bearer_token, api_key or \(keys.user)/password")
        default:
            a.error(user != nil ? keys.user : "password", "basic auth needs both \(keys.user) and password")
        }
        return nil
    }

    private static func hasUserInfo(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        let rest = url[scheme.upperBound...]
        return rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }.contains("@")
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        for chunk in stride(from: 0, to: bytes.count, by: 3) {
            let b0 = bytes[chunk], b1 = chunk + 1 < bytes.count ? bytes[chunk + 1] : 0
            let b2 = chunk + 2 < bytes.count ? bytes[chunk + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(chunk + 1 < bytes.count ? table[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(chunk + 2 < bytes.count ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
