/// A straight path θ(α) = (1−α)·θ_A + α·θ_B between two networks, or the simplex Σλᵢθᵢ of three or more,
/// optionally with networks permuted first.
public struct InterpolationSpec: Sendable, Hashable, Codable {
    /// The networks, in the order of the spec (two: a path from the first; three or more: a simplex).
    public var between: [Reference]
    /// An alignment of `to` onto `from`, applied to `to` before interpolating; or, with `permuteFrom`, an
    /// alignment of `to` onto a third network; or a joint alignment of every network of `between`.
    public var permute: Reference?
    /// An alignment of `from` onto the same third network as `permute` (`permute: [x, y]`): both ends
    /// are carried into that network's unit order, the indirect path through it (with three networks,
    /// the third is that network).
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

    /// The network at α = 0.
    public var from: Reference { between[0] }
    /// The network at α = 1 (the one a pairwise alignment permutes).
    public var to: Reference { between[1] }
    /// The third network of a triangle, which `permute: [x, y]` aligns the others to.
    public var third: Reference? { between.count == 3 ? between[2] : nil }
}
