#if canImport(Glibc)
import Glibc
#endif
import Pipeline

/// `filesystem`: `node_filesystem_{size_bytes,free_bytes,avail_bytes,files,files_free,readonly,
/// device_error}{device,fstype,mountpoint}` for the mounts of /proc/1/mounts (else
/// /proc/self/mounts) whose mount point and type pass the excludes, sized with statvfs(3).
///
/// As node_exporter does: sizes are blocks × `f_bsize`; `readonly` is 1 when the mount
/// options hold `ro`; a mount statvfs fails on gets only `device_error` 1; a label set is
/// emitted once however often it is mounted. Unlike node_exporter, statvfs is not raced
/// against a timeout, so a hung network mount delays the scrape.
struct FilesystemCollector: HostMetricsCollector {
    static let name = "filesystem"
    /// node_exporter 1.5's default `--collector.filesystem.mount-points-exclude`.
    static let defaultMountPointsExclude = "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
    /// node_exporter 1.5's default `--collector.filesystem.fs-types-exclude`.
    static let defaultFSTypesExclude = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"

    let mountPointsExclude: DevicePattern?
    let fsTypesExclude: DevicePattern?

    /// One line of the mounts file.
    struct Mount: Equatable {
        let device, mountPoint, fsType: String
        let readOnly: Bool
    }

    mutating func collect(into scrape: inout HostMetricsScrape) throws {
        var seen: [(String, String, String)] = []
        for mount in try mounts(&scrape) {
            if mountPointsExclude?.matches(mount.mountPoint) == true || fsTypesExclude?.matches(mount.fsType) == true { continue }
            guard !seen.contains(where: { $0 == (mount.device, mount.mountPoint, mount.fsType) }) else { continue }
            seen.append((mount.device, mount.mountPoint, mount.fsType))
            let labels = [("device", mount.device), ("fstype", mount.fsType), ("mountpoint", mount.mountPoint)]
            var stats = statvfs()
            let failed = statvfs(mount.mountPoint, &stats) != 0
            scrape.add("node_filesystem_device_error", labels, failed ? 1 : 0, .gauge)
            if failed { continue }
            let blockSize = Double(stats.f_bsize)
            scrape.add("node_filesystem_size_bytes", labels, Double(stats.f_blocks) * blockSize, .gauge)
            scrape.add("node_filesystem_free_bytes", labels, Double(stats.f_bfree) * blockSize, .gauge)
            scrape.add("node_filesystem_avail_bytes", labels, Double(stats.f_bavail) * blockSize, .gauge)
            scrape.add("node_filesystem_files", labels, Double(stats.f_files), .gauge)
            scrape.add("node_filesystem_files_free", labels, Double(stats.f_ffree), .gauge)
            scrape.add("node_filesystem_readonly", labels, mount.readOnly ? 1 : 0, .gauge)
        }
    }

    /// The mounts of PID 1's namespace, else (with `hidepid`) this process's.
    private func mounts(_ scrape: inout HostMetricsScrape) throws -> [Mount] {
        let bytes: [UInt8]
        do { bytes = try scrape.readProc("1/mounts") } catch { bytes = try scrape.readProc("self/mounts") }
        return Self.parse(bytes)
    }

    /// `device mountpoint fstype options 0 0` lines; `\040` and `\011` in the mount point
    /// are a space and a tab (fstab(5)).
    static func parse(_ bytes: [UInt8]) -> [Mount] {
        var mounts: [Mount] = []
        for var fields in ProcLines(bytes) {
            guard let device = fields.next(), let mountPoint = fields.next(), let fsType = fields.next(),
                  let options = fields.next() else { continue }
            let readOnly = bytes[options].split(separator: UInt8(ascii: ",")).contains { $0.elementsEqual("ro".utf8) }
            let point = bytes.string(mountPoint).replacing("\\040", with: " ").replacing("\\011", with: "\t")
            mounts.append(Mount(device: bytes.string(device), mountPoint: point, fsType: bytes.string(fsType), readOnly: readOnly))
        }
        return mounts
    }
}
