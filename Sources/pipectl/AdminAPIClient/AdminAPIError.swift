/// Why `pipectl top` or `pipectl tap` could not use the admin API; printed after the command name.
enum AdminAPIError: Error, CustomStringConvertible {
    /// No connection or no answer: the pipeline is not running there, or not reachable.
    case unreachable(String, String)
    /// 401: the API has `api.token` set and no token, or another one, was sent.
    case unauthorized(String, tokenGiven: Bool)
    /// An answer that is not the component list.
    case unexpectedAnswer(String)

    var description: String {
        switch self {
        case let .unreachable(api, reason):
            "cannot reach the admin API at \(api): \(reason)"
        case let .unauthorized(api, tokenGiven: true):
            "the admin API at \(api) refused the token (401 Unauthorized); give its api.token with --token or PIPECTL_API_TOKEN"
        case let .unauthorized(api, tokenGiven: false):
            "the admin API at \(api) needs a token (401 Unauthorized); give its api.token with --token or PIPECTL_API_TOKEN"
        case let .unexpectedAnswer(what):
            what
        }
    }
}
