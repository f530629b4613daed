import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fixes glibc's mmap threshold at 512 KiB. Left to itself, glibc raises the threshold to the
/// size of each large block freed (up to 32 MiB); after that, request-sized buffers (a
/// remote-write request's protobuf and snappy bodies, a few MiB) come from the heap and their
/// pages stay resident once freed. Fixed, blocks from 512 KiB are mapped and unmapped, while
/// a batch's arrays (a few hundred KiB, allocated 50 times a second in W3) are still reused
/// from the heap without page faults. W3's peak RSS dropped by 5–10 MiB (docs/BENCHMARKS.md).
/// An operator's `MALLOC_MMAP_THRESHOLD_` is left as it is.
enum MallocTuning {
    /// `M_MMAP_THRESHOLD` of `<malloc.h>`, which the Glibc module does not import.
    private static let mmapThreshold: Int32 = -3

    static func apply() {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_MMAP_THRESHOLD_"] == nil,
              let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 512 * 1024)
        #endif
    }
}
