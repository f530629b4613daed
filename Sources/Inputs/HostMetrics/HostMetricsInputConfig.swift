import Pipeline

/// `host_metrics`: the host's /proc, /sys and statvfs figures as metric events, named and
/// labelled as prometheus node_exporter 1.5 names them, so its dashboards work unchanged.
///
/// - interval (duration, default 15s): time between scrapes.
/// - procfs_root (path, default /proc), sysfs_root (path, default /sys): where to read them
///   (a host's, mounted into a container).
/// - collectors (list, default all): cpu, meminfo, loadavg, stat, time, vmstat, diskstats,
///   netdev, filesystem, pressure.
/// - filesystem.mount_points_exclude, filesystem.fs_types_exclude (regex, node_exporter's defaults).
/// - disk.devices_exclude (regex, default: partitions, ram, loop and floppy devices).
/// - network.devices_exclude (regex, default none).
///
/// Patterns are POSIX extended regular expressions, accepting `\d`, `\s` and `\w`; as in
/// node_exporter they match anywhere unless anchored, and an empty pattern excludes nothing.
public struct HostMetricsInputConfig: ComponentConfig {
    public static let componentType = ComponentType(name: "host_metrics", role: .input, produces: .fixed(.metric)) {
        HostMetricsInputConfig(reader: $0)
    }

    static let collectorNames = [CPUCollector.name, MeminfoCollector.name, LoadavgCollector.name, StatCollector.name,
                                 TimeCollector.name, VmstatCollector.name, DiskstatsCollector.name, NetdevCollector.name,
                                 FilesystemCollector.name, PressureCollector.name]

    let interval: Duration
    let paths: HostMetricsPaths
    let collectors: [String]
    let mountPointsExclude: DevicePattern?
    let fsTypesExclude: DevicePattern?
    let diskDevicesExclude: DevicePattern?
    let networkDevicesExclude: DevicePattern?

    init(reader: ConfigReader) {
        interval = reader.duration("interval", default: .seconds(15), minimum: .milliseconds(100))
        paths = HostMetricsPaths(procfs: Self.root(reader.string("procfs_root") ?? "/proc"),
                                 sysfs: Self.root(reader.string("sysfs_root") ?? "/sys"))
        var chosen: [String] = []
        for (index, name) in (reader.stringList("collectors") ?? Self.collectorNames).enumerated() {
            if !Self.collectorNames.contains(name) {
                reader.error("collectors", item: index, "unknown collector '\(name)' (allowed: \(Self.collectorNames.joined(separator: ", ")))")
            } else if !chosen.contains(name) {
                chosen.append(name)
            }
        }
        collectors = chosen
        let filesystem = reader.child("filesystem")
        mountPointsExclude = Self.pattern(filesystem, "mount_points_exclude", default: FilesystemCollector.defaultMountPointsExclude)
        fsTypesExclude = Self.pattern(filesystem, "fs_types_exclude", default: FilesystemCollector.defaultFSTypesExclude)
        let disk = reader.child("disk")
        diskDevicesExclude = Self.pattern(disk, "devices_exclude", default: DiskstatsCollector.defaultExclude)
        let network = reader.child("network")
        networkDevicesExclude = Self.pattern(network, "devices_exclude", default: "")
        for child in [filesystem, disk, network] { child?.finish() }
    }

    /// The compiled pattern at `key` of `reader` (or `fallback`); nil when it is empty.
    private static func pattern(_ reader: ConfigReader?, _ key: String, default fallback: String) -> DevicePattern? {
        let source = reader?.string(key) ?? fallback
        guard !source.isEmpty else { return nil }
        do {
            return try DevicePattern(source)
        } catch {
            reader?.error(key, "invalid regular expression '\(source)': \(error.message)")
            return nil
        }
    }

    /// `path` without trailing slashes.
    private static func root(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1, p.last == "/" { p.removeLast() }
        return String(p)
    }

    /// The chosen collectors, each with its options.
    func makeCollectors() -> [any HostMetricsCollector] {
        collectors.map { name -> any HostMetricsCollector in
            switch name {
            case CPUCollector.name: CPUCollector()
            case MeminfoCollector.name: MeminfoCollector()
            case LoadavgCollector.name: LoadavgCollector()
            case StatCollector.name: StatCollector()
            case TimeCollector.name: TimeCollector()
            case VmstatCollector.name: VmstatCollector()
            case DiskstatsCollector.name: DiskstatsCollector(exclude: diskDevicesExclude)
            case NetdevCollector.name: NetdevCollector(exclude: networkDevicesExclude)
            case FilesystemCollector.name: FilesystemCollector(mountPointsExclude: mountPointsExclude, fsTypesExclude: fsTypesExclude)
            case PressureCollector.name: PressureCollector()
            default: preconditionFailure("BUG: collector '\(name)' passed validation but has no type")
            }
        }
    }

    public func makeStage(_ context: StageContext) throws -> Stage {
        .input(HostMetricsInput(interval: interval, scraper: HostMetricsScraper(paths: paths, collectors: makeCollectors()),
                                logger: context.logger))
    }
}
