/// Every component type pipectl knows, registered explicitly by the CLI.
public struct ComponentRegistry: Sendable {
    public private(set) var types: [ComponentType] = []

    public init(_ types: [ComponentType] = []) { self.types = types }

    /// Adds a type.
    public mutating func register(_ type: ComponentType) { types.append(type) }

    /// The type called `name` in `role`'s section.
    public func type(_ name: String, role: ComponentRole) -> ComponentType? {
        types.first { $0.name == name && $0.role == role }
    }

    /// Names of the types of `role`, sorted.
    public func names(_ role: ComponentRole) -> [String] { types.filter { $0.role == role }.map(\.name).sorted() }
}
