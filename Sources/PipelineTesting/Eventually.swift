/// Polls `condition` every millisecond until it holds; throws `TimeoutError` after `timeout` seconds.
public func eventually(timeout: Double = 10, _ message: @autoclosure () -> String = "condition",
                       file: StaticString = #filePath, line: UInt = #line,
                       _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            throw TimeoutError("\(file):\(line): \(message()) did not hold within \(timeout) s")
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}
