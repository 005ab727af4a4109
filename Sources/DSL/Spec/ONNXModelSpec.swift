/// A model whose architecture comes from an ONNX file (`models: {net: {onnx: FILE}}`).
///
/// The decoder records the file; before planning, the Interpreter imports the graph into the model's
/// `layers` and fills in what the graph fixes beyond them: its input shape and where each tensor lives
/// among the file's initializers. Equality and the cache key cover what was imported, never the file's
/// path or where the spec names it: a model moved or renamed on disk reuses every cached result.
public struct ONNXModelSpec: Sendable, Hashable, Codable {
    /// Where one of lmc's tensors (`layer.suffix`) lives among the graph's initializers.
    public struct TensorSource: Sendable, Hashable, Codable {
        /// The initializer's name in the ONNX file (and in a state dict saved under those names).
        public var initializer: String
        /// Whether the initializer holds the transpose of lmc's `[out, in]` weight (MatMul's `[in, out]`).
        public var transposed: Bool

        public init(initializer: String, transposed: Bool) {
            self.initializer = initializer
            self.transposed = transposed
        }
    }

    /// The file, resolved against the spec's directory.
    public var file: String
    /// Where the spec names the file.
    public var location: SourceLocation
    /// The graph input's channels, height and width; nil until imported.
    public var input: [Int]?
    /// lmc's tensor name → its initializer, for every tensor of the imported layers.
    public var tensors: [String: TensorSource]

    public init(file: String, location: SourceLocation, input: [Int]? = nil, tensors: [String: TensorSource] = [:]) {
        self.file = file
        self.location = location
        self.input = input
        self.tensors = tensors
    }

    private enum CodingKeys: String, CodingKey { case input, tensors }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        input = try container.decodeIfPresent([Int].self, forKey: .input)
        tensors = try container.decode([String: TensorSource].self, forKey: .tensors)
        file = ""
        location = SourceLocation(file: "", line: 0, column: 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(input, forKey: .input)
        try container.encode(tensors, forKey: .tensors)
    }

    public static func == (a: ONNXModelSpec, b: ONNXModelSpec) -> Bool { a.input == b.input && a.tensors == b.tensors }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(input)
        hasher.combine(tensors)
    }
}
