#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real-time clock, read without allocating.
public enum WallClock {
    /// Unix time in nanoseconds.
    @inlinable
    public static func nanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Unix time in milliseconds.
    @inlinable
    public static func milliseconds() -> Int64 { nanoseconds() / 1_000_000 }
}
