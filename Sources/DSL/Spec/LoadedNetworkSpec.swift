/// A trained network read from a safetensors file in PyTorch's layout (`load:` in `networks:`).
///
/// The file holds a state dict: for each layer with tensors `<prefix>.weight` (`[out, in]`, kernels
/// `[out, in, k, k]`), `<prefix>.bias` and so on, the prefixes being `layers` or the layers' own names
/// (`fc1` … `fcN` for an MLP). Its cache key covers the file's bytes, not its path.
public struct LoadedNetworkSpec: Sendable, Hashable, Codable {
    /// The architecture, by name: the file's tensors must have its shapes.
    public var model: Reference
    /// The dataset it is evaluated on, by name.
    public var data: Reference
    /// The file, resolved against the spec's directory.
    public var file: String
    /// The file's tensor name prefixes, one per layer with tensors in program order; nil for the layers' names.
    public var layers: [String]?
}
