/// A YAML node with the place it came from.
///
/// The tree is built by `YAMLReader`; aliases are already expanded, so the tree has no sharing.
public struct YAMLNode: Sendable, Hashable {
    /// The node's content.
    public enum Content: Sendable, Hashable {
        /// A scalar's text; `plain` is false for quoted and block scalars, which are always strings.
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        /// Key-value pairs in file order; keys are scalars (the reader rejects others).
        case mapping([Entry])
    }

    /// One key-value pair of a mapping.
    public struct Entry: Sendable, Hashable {
        /// The key's text.
        public var key: String
        /// Where the key is written.
        public var keyLocation: SourceLocation
        /// The value node.
        public var value: YAMLNode
        /// True when the entry came from a merge key; an explicit key of the same name replaces it.
        public var isMerged = false
    }

    /// Scalar, list or mapping.
    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation

    /// A short name for the node's kind, for messages ("a mapping", "a list").
    public var kindDescription: String {
        switch content {
        case .scalar(let text, let plain):
            if plain, text.isEmpty || text == "~" || text == "null" { return "null" }
            return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
