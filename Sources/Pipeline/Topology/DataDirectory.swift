import Foundation

/// The pipeline's `data_dir`: created if missing and checked writable before anything starts.
public enum DataDirectory {
    /// Creates `path` (and parents) and proves it writable, or throws a one-line reason.
    public static func prepare(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PipectlError("data_dir: cannot create \(path): \(reason(error))")
        }
        let probe = (path as NSString).appendingPathComponent(".pipectl-write-test")
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
            throw PipectlError("data_dir: \(path) is not writable")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    /// A path inside the data directory for `component`'s state, creating the folder `kind`.
    public static func statePath(_ dataDirectory: String, kind: String, component: String, suffix: String) throws -> String {
        let folder = (dataDirectory as NSString).appendingPathComponent(kind)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return (folder as NSString).appendingPathComponent(component + suffix)
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        // On Linux the underlying error is a Swift error that `as? NSError` does not match.
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(posix.code))) }
        }
        return ns.localizedDescription
    }
}
