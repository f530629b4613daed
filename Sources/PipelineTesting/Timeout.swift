import NIOConcurrencyHelpers

/// A test bound that was exceeded.
public struct TimeoutError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Runs `operation`, throwing `TimeoutError` if it has not finished within `seconds`.
///
/// On timeout the operation is cancelled and abandoned (not awaited), so a hung
/// operation cannot hang the test too.
public func withTimeout<T: Sendable>(seconds: Double, file: StaticString = #filePath, line: UInt = #line,
                                     _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let where_ = "\(file):\(line)"
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let pending = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(continuation)
        @Sendable func finish(_ result: Result<T, any Error>) -> Bool {
            guard let c = pending.withLockedValue({ p -> CheckedContinuation<T, any Error>? in defer { p = nil }; return p }) else {
                return false
            }
            c.resume(with: result)
            return true
        }
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            _ = finish(result)
            timer.withLockedValue { $0?.cancel() }
        }
        timer.withLockedValue { slot in
            slot = Task {
                try? await Task.sleep(for: .seconds(seconds))
                if Task.isCancelled { return }
                if finish(.failure(TimeoutError("\(where_): timed out after \(seconds) s"))) { work.cancel() }
            }
            if pending.withLockedValue({ $0 == nil }) { slot?.cancel() }  // the work already finished
        }
    }
}
