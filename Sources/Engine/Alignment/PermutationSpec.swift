/// Which tensor axes each permutation group reorders, derived from the model, never written by hand.
public struct PermutationSpec: Sendable, Hashable {
    /// One tensor axis that a group permutes.
    public struct Member: Sendable, Hashable {
        /// The tensor's name (`fc2.weight`).
        public var tensor: String
        /// The axis the group reorders.
        public var axis: Int
    }

    /// A set of hidden units that may be permuted together, with every axis that indexes them.
    public struct Group: Sendable, Hashable {
        /// The group's name (`h1` for the first hidden layer).
        public var name: String
        /// Units in the group.
        public var size: Int
        /// Every tensor axis indexed by the group's units.
        public var members: [Member]
    }

    /// Groups in layer order.
    public var groups: [Group]

    /// The spec of an MLP: group `h_l` is hidden layer l, the rows of `fc_l` and the columns of `fc_{l+1}`.
    ///
    /// Inputs and logits are never permuted.
    public static func mlp(sizes: [Int]) -> PermutationSpec {
        PermutationSpec(
            groups: (1..<max(sizes.count - 1, 1)).map { l in
                Group(
                    name: "h\(l)", size: sizes[l],
                    members: [
                        Member(tensor: "fc\(l).weight", axis: 0),
                        Member(tensor: "fc\(l).bias", axis: 0),
                        Member(tensor: "fc\(l + 1).weight", axis: 1),
                    ])
            })
    }

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
                    result[member.tensor] = tensor.permuted(axis: member.axis, by: permutation)
                }
            }
        }
        return result
    }
}

extension MLP {
    /// Tensors by PyTorch name (`fc1.weight`, …).
    public var tensorsByName: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedTensors().map { ($0.name, $0.tensor) })
    }

    /// A network with the same shapes as `self` and its tensors taken from `tensors` by name.
    public func replacing(with tensors: [String: Tensor]) -> MLP {
        MLP(
            layers: layers.indices.map { l in
                Layer(
                    weight: tensors["fc\(l + 1).weight"] ?? layers[l].weight, bias: tensors["fc\(l + 1).bias"] ?? layers[l].bias)
            })
    }

    /// The network's permutation groups, one per hidden layer.
    public var permutationSpec: PermutationSpec { .mlp(sizes: sizes) }

    /// The network with its hidden units permuted, one permutation per hidden layer; it computes the same function.
    public func permuted(by permutations: [Permutation]) -> MLP {
        replacing(with: permutationSpec.apply(permutations, to: tensorsByName))
    }
}
