/// An AWS access key: the id, the secret and, for temporary credentials, a session token.
///
/// Printing one (logs, errors, `dump`) shows the access key id only: the secret and the
/// token are never written anywhere but into a signature (and the token into
/// `X-Amz-Security-Token`). `redacting(_:)` scrubs them from text a receiver sent back,
/// since some AWS errors quote the canonical request, token included.
package struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package let accessKeyID: String
    package let secretAccessKey: String
    package let sessionToken: String?

    package init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The standard variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`;
    /// nil when the key id or the secret is unset or empty.
    package init?(environment: [String: String]) {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        self.init(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    package var description: String {
        "AWSCredentials(access_key_id: \(accessKeyID), secret_access_key: <redacted>"
            + (sessionToken == nil ? ")" : ", session_token: <redacted>)")
    }

    package var debugDescription: String { description }

    package var customMirror: Mirror { Mirror(self, children: ["description": description]) }

    /// `text` with every occurrence of the secret and the token replaced by `<redacted>`, as
    /// they are and JSON-escaped (`/` as `\/`). Redact whole texts before cutting them: a
    /// cut through a secret leaves a prefix no longer found.
    package func redacting(_ text: String) -> String {
        var text = text
        for secret in [secretAccessKey, sessionToken].compactMap({ $0 }) where !secret.isEmpty {
            text = text.replacing(secret, with: "<redacted>")
            if secret.contains("/") { text = text.replacing(secret.replacing("/", with: "\\/"), with: "<redacted>") }
        }
        return text
    }
}
