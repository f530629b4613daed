#if canImport(Glibc)
import Glibc
#endif

/// A collector's failure to read or understand a file.
enum HostMetricsError: Error, CustomStringConvertible {
    case cannotRead(String, Int32)
    case malformed(String, String)

    var description: String {
        switch self {
        case .cannotRead(let path, let code): "cannot read \(path): \(String(cString: strerror(code)))"
        case .malformed(let path, let what): "\(path): \(what)"
        }
    }
}
