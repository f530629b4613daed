import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fixes glibc's mmap threshold at 1 MiB and its trim threshold at 32 MiB. Left to itself,
/// glibc raises the mmap threshold to the size of each large block freed (up to 32 MiB); after
/// that, request-sized buffers (a remote-write request's protobuf and snappy bodies, a few
/// MiB) come from the heap and the heap keeps their pages once they are freed. Fixed, blocks
/// from 1 MiB are mapped and unmapped, while a scrape's batch arrays (a few hundred KiB, 50 a
/// second in W3) are still reused from the heap without page faults; the high trim threshold
/// keeps the heap from being shrunk and regrown between them. W3 measured the choices
/// (docs/BENCHMARKS.md). An operator's `MALLOC_MMAP_THRESHOLD_` or `MALLOC_TRIM_THRESHOLD_`
/// is left as it is.
enum MallocTuning {
    /// `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` of `<malloc.h>`, which the Glibc module does not import.
    private static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3

    static func apply() {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        guard environment["MALLOC_MMAP_THRESHOLD_"] == nil, environment["MALLOC_TRIM_THRESHOLD_"] == nil,
              let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(mmapThreshold, 1 << 20)
        _ = mallopt(trimThreshold, 32 << 20)
        #endif
    }
}
