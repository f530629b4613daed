import Foundation
import NIOConcurrencyHelpers

/// Hides values that came from the environment (tokens, passwords) in anything printed.
public enum Redactor {
    private static let registered = NIOLockedValueBox<Set<String>>([])

    /// Adds values to hide in every later `redact` call (logs, API answers).
    public static func register(_ secrets: Set<String>) {
        registered.withLockedValue { $0.formUnion(secrets.filter { $0.count >= 3 }) }
    }

    /// `text` with every registered value replaced by `<redacted>`.
    public static func redact(_ text: String) -> String {
        redact(text, secrets: registered.withLockedValue { $0 })
    }

    /// `text` with every value of `secrets` (three characters or more) replaced by `<redacted>`.
    public static func redact(_ text: String, secrets: Set<String>) -> String {
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets.sorted(by: { $0.count > $1.count }) where secret.count >= 3 && result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return result
    }
}
