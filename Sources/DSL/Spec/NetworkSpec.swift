/// A network trained from a seed: a model, its data, a recipe.
public struct NetworkSpec: Sendable, Hashable, Codable {
    /// The architecture, by name.
    public var model: Reference
    /// The dataset trained on, by name.
    public var data: Reference
    /// The training recipe, by name.
    public var recipe: Reference
    /// Drives initialisation and data order.
    public var seed: UInt64
}
