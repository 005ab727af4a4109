/// Which tensor axes each permutation group reorders, derived from the model, never written by hand.
public struct PermutationSpec: Sendable, Hashable {
    /// One tensor axis that a group permutes.
    public struct Member: Sendable, Hashable {
        /// The tensor's name (`fc2.weight`).
        public var tensor: String
        /// The axis the group reorders.
        public var axis: Int
        /// Consecutive indices of the axis per unit: a linear layer's input after a flatten has one block
        /// of height × width positions per channel, which move together.
        public var block: Int = 1
    }

    /// A set of hidden units that may be permuted together, with every axis that indexes them.
    public struct Group: Sendable, Hashable {
        /// The group's name (`h1` for the first hidden layer).
        public var name: String
        /// Units in the group.
        public var size: Int
        /// Every tensor axis indexed by the group's units.
        public var members: [Member]
        /// Contiguous equal blocks of units that a permutation must keep whole.
        ///
        /// A permutation the group admits maps each part onto itself, or onto any part if
        /// `exchangeableParts`. 1 (no constraint) unless a GroupNorm of 2 to C − 1 groups reads the units;
        /// see `PermutationSpec+Parts.swift`.
        public var parts: Int = 1
        /// Whether a permutation may also exchange whole parts: true when every GroupNorm that splits the
        /// units has the same group count, so the parts are exactly its groups, or when the parts are an
        /// attention layer's heads.
        public var exchangeableParts = false
        /// Groups with the same coupling name exchange their parts by one and the same permutation (an
        /// attention layer's heads, in its q/k set and its v/o set); see `PermutationSpec+Couplings.swift`.
        public var coupling: String? = nil
    }

    /// Groups in layer order.
    public var groups: [Group]

    /// Applies one permutation per group to every member axis of the tensors given (a subset, such as a
    /// conv net's trained tensors without its running statistics, is permuted as far as it goes).
    ///
    /// - Precondition: `permutations.count == groups.count` and sizes match.
    public func apply(_ permutations: [Permutation], to tensors: [String: Tensor]) -> [String: Tensor] {
        precondition(permutations.count == groups.count)
        var result = tensors
        for (group, permutation) in zip(groups, permutations) {
            for member in group.members {
                if let tensor = result[member.tensor] {
                    result[member.tensor] = tensor.permuted(member, by: permutation)
                }
            }
        }
        return result
    }
}

extension Tensor {
    /// The tensor with a member's axis reordered by `permutation`, block by block.
    func permuted(_ member: PermutationSpec.Member, by permutation: Permutation) -> Tensor {
        guard member.block > 1 else { return permuted(axis: member.axis, by: permutation) }
        return Tensor(shape: blockShape(member), scalars: scalars).permuted(axis: member.axis, by: permutation)
            .reshaped(shape)
    }

    /// The shape with the member's axis split into (units, block).
    func blockShape(_ member: PermutationSpec.Member) -> [Int] {
        var split = shape
        split[member.axis] /= member.block
        split.insert(member.block, at: member.axis + 1)
        return split
    }

    /// The same scalars under another shape of the same count.
    func reshaped(_ shape: [Int]) -> Tensor { Tensor(shape: shape, scalars: scalars) }
}
