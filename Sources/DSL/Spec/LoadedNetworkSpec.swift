/// A trained network read from a safetensors file in PyTorch's layout (`load:` in `networks:`).
///
/// The file holds a state dict: for each layer `<prefix>.weight` (`[out, in]`) and `<prefix>.bias`, the
/// prefixes being `layers` or `fc1` … `fcN`. Its cache key covers the file's bytes, not its path.
public struct LoadedNetworkSpec: Sendable, Hashable, Codable {
    /// The architecture, by name: the file's tensors must have its shapes.
    public var model: Reference
    /// The dataset it is evaluated on, by name.
    public var data: Reference
    /// The file, resolved against the spec's directory.
    public var file: String
    /// Tensor name prefixes, one per layer; nil for `fc1` … `fcN`.
    public var layers: [String]?
}
