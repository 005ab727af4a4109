/// A point in a training run: after a checkpoint step, or at the end.
public enum Moment: Sendable, Hashable, Codable, Comparable {
    /// After this many updates (a checkpoint the recipe keeps).
    case step(Int)
    /// After the last update.
    case end
    /// Level L of a pruning sequence (0 is the dense network).
    case level(Int)

    /// `end` or `step=25`, as in step names and permutation labels.
    public var label: String {
        switch self {
        case .step(let s): "step=\(s)"
        case .end: "end"
        case .level(let l): "level=\(l)"
        }
    }

    /// The pruning level, or nil.
    public var level: Int? {
        if case .level(let l) = self { return l }
        return nil
    }

    /// The checkpoint step, or nil for the end.
    public var checkpoint: Int? {
        if case .step(let s) = self { return s }
        return nil
    }
}

/// Which moments of the networks' training an entry covers: `at:` in a spec.
public enum MomentSelection: Sendable, Hashable, Codable {
    /// The listed moments, in order.
    case moments([Moment])
    /// Every checkpoint the recipe keeps, then the end.
    case checkpoints
    /// Every level of a pruning sequence, from 0 (dense).
    case levels

    /// The moments for networks whose recipe keeps `checkpoints` (and that have `levels` pruning levels).
    public func resolve(checkpoints: [Int], levels: Int = 0) -> [Moment] {
        switch self {
        case .moments(let moments): moments
        case .checkpoints: checkpoints.map(Moment.step) + [.end]
        case .levels: (0...levels).map(Moment.level)
        }
    }

    /// Whether this is the plain default, the end only.
    public var isEndOnly: Bool { self == .moments([.end]) }
}
