import Pipeline

extension ConfigReader {
    /// A list of numbers (`buckets`, `quantiles`); each bad item is reported and left out.
    func numberList(_ key: String) -> [Double]? {
        guard let items = stringList(key) else { return nil }
        var numbers: [Double] = []
        for item in items {
            guard let number = Double(item), number.isFinite else {
                error(key, "expected a list of numbers, got '\(item)'")
                continue
            }
            numbers.append(number)
        }
        return numbers
    }

    /// Histogram bucket upper bounds: numbers in strictly increasing order (`+Inf` is implied).
    func buckets(_ key: String = "buckets") -> [Double]? {
        guard let bounds = numberList(key) else { return nil }
        if bounds.isEmpty {
            error(key, "expected at least one bucket bound")
            return nil
        }
        for (a, b) in zip(bounds, bounds.dropFirst()) where a >= b {
            error(key, "bucket bounds must be strictly increasing, got \(a.labelValue) then \(b.labelValue)")
            return nil
        }
        return bounds
    }
}
