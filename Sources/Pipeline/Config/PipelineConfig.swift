import Yams

/// A reference to an upstream in an `inputs:` list: `id` or `id.port`.
public struct UpstreamRef: Hashable, Sendable, CustomStringConvertible {
    public var id: String
    public var port: String?

    public var description: String { port.map { "\(id).\($0)" } ?? id }
}

/// How a transform's or output's inbound queue behaves (`buffer:`).
public struct BufferConfig: Sendable, Equatable {
    public enum WhenFull: String, Sendable { case block, dropNewest = "drop_newest" }
    /// Where an output keeps what it has not delivered yet.
    public enum Kind: String, Sendable { case memory, disk }
    /// When a disk buffer's appends reach the disk.
    public enum Fsync: String, Sendable { case always, interval }

    /// `memory` (the default) or `disk` (outputs that support it: encoded requests in
    /// `data_dir/buffers/<id>/`, replayed after a restart).
    public var kind: Kind = .memory
    /// Bytes a disk buffer may take on disk (`max_size`, default 256MiB).
    public var diskMaxBytes: Int = 256 * 1024 * 1024
    /// `fsync: always` (before each append returns) or `interval` (every second, the default).
    public var fsync: Fsync = .interval

    /// Events the in-memory buffer holds before it counts as full.
    public var maxEvents: Int = 65_536
    /// Arena bytes the in-memory buffer holds before it counts as full (`max_size`; unbounded when unset).
    public var maxBytes: Int = .max
    /// What a full buffer does to its producer.
    public var whenFull: WhenFull = .block

    public init() {}
}

/// One component as declared in the pipeline file, its options validated.
public struct ComponentDeclaration: Sendable {
    public let id: String
    public let role: ComponentRole
    public let type: ComponentType
    public let config: any ComponentConfig
    public let upstreams: [UpstreamRef]
    public let buffer: BufferConfig
    /// The component's options as written, without `inputs:`: a reload rebuilds the component
    /// only when these differ (a changed `inputs:` list only rewires its edges).
    let settings: ComponentSettings
    /// Where the component's options start, and where its `inputs:` list is (for graph errors).
    let position: SourcePosition
    let inputsPosition: SourcePosition

    /// True when `other` declares the same stage the same way (`inputs:` aside).
    func sameStage(as other: ComponentDeclaration) -> Bool {
        role == other.role && type.name == other.type.name && settings == other.settings
    }
}

/// A component's parsed options: a YAML tree, never mutated once loaded.
struct ComponentSettings: @unchecked Sendable, Equatable {
    let node: Node
}

/// A 1-based line and column in the interpolated pipeline text.
struct SourcePosition: Sendable {
    var line: Int
    var column: Int

    init(_ node: Node?) {
        line = node?.mark?.line ?? 1
        column = node?.mark?.column ?? 1
    }
}

/// The admin API's options (`api:`).
public struct APIConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8686
    public var token: String?
    public var enabled = true

    public init(host: String = "127.0.0.1", port: Int = 8686, token: String? = nil, enabled: Bool = true) {
        self.host = host
        self.port = port
        self.token = token
        self.enabled = enabled
    }
}

/// A validated pipeline: top-level options and components in file order.
public struct PipelineConfig: Sendable {
    /// The file as the user named it.
    public let file: String
    public let dataDirectory: String
    public let shutdownTimeout: Duration
    public let api: APIConfig
    public let components: [ComponentDeclaration]
    /// Ids declared with a missing or unknown type (already reported; not checked again).
    let undecodable: Set<String>
    /// The unit tests of the `tests:` block, for `pipectl test`.
    public let tests: [PipelineTestCase]

    public func component(_ id: String) -> ComponentDeclaration? { components.first { $0.id == id } }

    /// Number of components in `role`.
    public func count(_ role: ComponentRole) -> Int { components.filter { $0.role == role }.count }

    /// Ids of the components reading from `id` (any port), in file order.
    public func downstreams(of id: String) -> [String] {
        components.filter { $0.upstreams.contains { $0.id == id } }.map(\.id)
    }
}
