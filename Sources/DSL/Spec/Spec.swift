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
    public var description: String?
    public var datasets: [Named<DatasetSpec>]
    public var models: [Named<ModelSpec>]
    public var recipes: [Named<RecipeSpec>]
    public var networks: [Named<NetworkSpec>]
    public var alignments: [Named<AlignmentSpec>]
    public var interpolations: [Named<InterpolationSpec>]
    public var evaluation: EvaluationSpec
}

/// A named entry of one of the spec's sections.
public struct Named<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    public var name: String
    /// Where the entry's name is written.
    public var location: SourceLocation
    public var value: Value
}

/// A use of a name defined elsewhere in the spec, with where it is written.
public struct Reference: Sendable, Hashable, Codable {
    public var name: String
    public var location: SourceLocation
}

extension Array {
    /// The entry named `name`, if any.
    public func named<Value>(_ name: String) -> Named<Value>? where Element == Named<Value> {
        first { $0.name == name }
    }
}
