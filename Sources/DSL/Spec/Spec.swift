/// A whole experiment as written in a spec file, typed and with defaults filled in.
///
/// Every entry keeps its name and where it was defined, so later phases can point at it.
public struct Spec: Sendable, Hashable, Codable {
    /// The spec file as the user named it.
    public var file: String
    /// Directory that relative paths in the spec are resolved against.
    public var directory: String
    /// The experiment's name: results go to `results/<name>/`.
    public var name: String
    /// Free text from the spec.
    public var description: String?
    /// Datasets in file order.
    public var datasets: [Named<DatasetSpec>]
    /// Models in file order.
    public var models: [Named<ModelSpec>]
    /// Training recipes in file order.
    public var recipes: [Named<RecipeSpec>]
    /// Networks in file order.
    public var networks: [Named<NetworkSpec>]
    /// Alignments in file order.
    public var alignments: [Named<AlignmentSpec>]
    /// Interpolations in file order.
    public var interpolations: [Named<InterpolationSpec>]
    /// How endpoints and paths are measured (defaults when the spec has no `evaluation`).
    public var evaluation: EvaluationSpec
}

/// A named entry of one of the spec's sections.
public struct Named<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    /// The name as written in the spec.
    public var name: String
    /// Where the entry's name is written.
    public var location: SourceLocation
    /// The decoded entry.
    public var value: Value
}

/// A use of a name defined elsewhere in the spec, with where it is written.
public struct Reference: Sendable, Hashable, Codable {
    /// The name as written in the spec.
    public var name: String
    /// Where the name is written.
    public var location: SourceLocation
}

extension Array {
    /// The entry named `name`, if any.
    public func named<Value>(_ name: String) -> Named<Value>? where Element == Named<Value> {
        first { $0.name == name }
    }
}
