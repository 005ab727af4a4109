/// A straight path θ(α) = (1−α)·θ_A + α·θ_B between two networks, optionally with B permuted first.
public struct InterpolationSpec: Sendable, Hashable, Codable {
    /// The network at α = 0.
    public var from: Reference
    /// The network at α = 1 (the one permuted).
    public var to: Reference
    /// An alignment of `to` onto `from`, applied to `to` before interpolating; or, with `permuteFrom`, an
    /// alignment of `to` onto a third network.
    public var permute: Reference?
    /// A third network (`between: [a, b, c]`): the path becomes the triangle θ(λ) = λ_a·θ_a + λ_b·θ_b + λ_c·θ_c,
    /// measured on a triangular grid; `permute: [x, y]` then aligns a and b to c.
    public var third: Reference?
    /// An alignment of `from` onto the same third network as `permute` (`permute: [x, y]`): both ends
    /// are carried into that network's unit order, the indirect path through it.
    public var permuteFrom: Reference?
    /// The moments of both networks' training to interpolate at (`at:`; default the end).
    ///
    /// With a permutation found at several moments, every permutation is applied at every moment here.
    public var at: MomentSelection = .moments([.end])
    /// Where `at:` was written, for messages about it.
    public var atLocation: SourceLocation?
    /// REPAIR each point before measuring it: every channel of each pre-activation rescaled to the
    /// interpolation of the endpoints' mean and standard deviation.
    public var repair = false
}
