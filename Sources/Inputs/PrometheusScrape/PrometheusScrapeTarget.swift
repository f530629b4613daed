import Pipeline

/// One endpoint to scrape: its URL and the labels every sample from it gets.
struct PrometheusScrapeTarget: Sendable {
    /// The URL requested, with `metrics_path` and `params` applied.
    let url: String
    /// `job`, `instance` and the `static_configs` labels, sorted by name.
    let labels: [(name: String, value: String)]

    /// The target `address` (`host:port`, as Prometheus' `static_configs`, or a full URL), or nil
    /// when it is neither.
    init?(address: String, scheme: String, metricsPath: String, query: String, job: String,
          labels extra: [(String, String)]) {
        var instance = address
        if let parts = ConfigValues.httpURL(address) {
            let host = parts.host.contains(":") ? "[\(parts.host)]" : parts.host
            instance = "\(host):\(parts.port)"
            url = address + (query.isEmpty ? "" : (address.contains("?") ? "&" : "?") + query)
        } else if ConfigValues.hostPort(address) != nil, !address.contains("/") {
            url = "\(scheme)://\(address)\(metricsPath)" + (query.isEmpty ? "" : "?" + query)
        } else {
            return nil
        }
        var all: [String: String] = ["job": job, "instance": instance]
        for (name, value) in extra { all[name] = value }
        labels = all.map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
    }

    /// True when `text` is a `host:port` or an http(s) URL.
    static func isAddress(_ text: String) -> Bool {
        ConfigValues.httpURL(text) != nil || (ConfigValues.hostPort(text) != nil && !text.contains("/"))
    }

    /// `params` as a query string, values percent-encoded.
    static func query(_ params: [(String, String)]) -> String {
        params.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    private static func encode(_ text: String) -> String {
        var out = ""
        for b in text.utf8 {
            let unreserved = (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a || (0x30...0x39).contains(b) || "-._~".utf8.contains(b)
            if unreserved { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "%" + hex(b) }
        }
        return out
    }

    private static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 15)]], as: UTF8.self)
    }
}
