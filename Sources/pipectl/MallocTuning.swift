import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fixes glibc's mmap threshold at its default, 128 KiB. Left to itself, glibc raises the
/// threshold to the size of each large block freed (up to 32 MiB); after that, batch-sized
/// buffers (a scrape's batch holds arrays of a few hundred KiB) come from the heap and their
/// pages stay resident once freed. Fixed, they are mapped and unmapped: W3's peak RSS went
/// from 84 to 75 MiB at a 1 s interval and from 68 to 61 MiB at 5 s, for about 2 % more CPU
/// (docs/BENCHMARKS.md). An operator's `MALLOC_MMAP_THRESHOLD_` is left as it is.
enum MallocTuning {
    /// `M_MMAP_THRESHOLD` of `<malloc.h>`, which the Glibc module does not import.
    private static let mmapThreshold: Int32 = -3

    static func apply() {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_MMAP_THRESHOLD_"] == nil,
              let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 128 * 1024)
        #endif
    }
}
