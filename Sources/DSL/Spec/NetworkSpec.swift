/// A network trained from a seed: a model, its data, a recipe.
public struct NetworkSpec: Sendable, Hashable, Codable {
    public var model: Reference
    public var data: Reference
    public var recipe: Reference
    /// Drives initialisation and data order.
    public var seed: UInt64
}
