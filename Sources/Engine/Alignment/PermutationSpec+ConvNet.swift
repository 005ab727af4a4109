extension ConvProgram {
    /// The permutation groups of the program, derived from how buffers share channels.
    ///
    /// A convolution starts a new set of channels; normalisation, ReLU and pooling keep their input's;
    /// an addition merges its two inputs' sets into one, which is how a residual stream (the stem's
    /// output, every block's output and a stage's shortcut) becomes a single group. A set produced by one
    /// convolution is named after it (`conv2`, `layer1.2.conv1`); a merged set is `stream1`, `stream2`, ….
    /// The input image's channels and the logits are never permuted.
    var permutationSpec: PermutationSpec { channelGroups.spec }

    /// The permutation groups and, for each, the ReLU outputs whose channels it indexes (what activation
    /// matching compares: for a residual stream, the stem's output and every block's output).
    var channelGroups: (spec: PermutationSpec, activations: [[Int]]) {
        var parent = Array(buffers.indices)
        func find(_ b: Int) -> Int {
            var b = b
            while parent[b] != b { b = parent[b] }
            return b
        }
        var producers: [Int: [String]] = [:]
        var rectified: [Int] = []
        var logits = 0
        for operation in operations {
            switch operation {
            case .conv(let layer, _, let to): producers[to, default: []].append(layer.prefix)
            case .relu(let from, let to):
                parent[to] = find(from)
                rectified.append(to)
            case .norm(_, _, let from, let to), .maxPool(let from, let to), .average(let from, let to):
                parent[to] = find(from)
            case .add(let a, let b, let to):
                let (ra, rb) = (find(a), find(b))
                parent[rb] = ra
                parent[to] = ra
            case .linear(_, _, _, _, let to): logits = to
            }
        }
        var names: [Int: [String]] = [:]
        for (buffer, prefixes) in producers { names[find(buffer), default: []] += prefixes }
        var order: [Int] = []
        for b in buffers.indices where b != 0 && b != logits && !order.contains(find(b)) && find(b) != find(0) {
            order.append(find(b))
        }
        var streams = 0
        var groups: [PermutationSpec.Group] = []
        for root in order {
            let produced = names[root] ?? []
            let name: String
            if produced.count == 1 {
                name = produced[0]
            } else {
                streams += 1
                name = "stream\(streams)"
            }
            var members: [PermutationSpec.Member] = []
            for p in parameters {
                if let out = p.outputBuffer, find(out) == root { members.append(.init(tensor: p.name, axis: 0)) }
                if let input = p.inputBuffer, find(input) == root { members.append(.init(tensor: p.name, axis: 1)) }
            }
            groups.append(.init(name: name, size: buffers[root].channels, members: members))
        }
        let activations = order.map { root in rectified.filter { find($0) == root } }
        return (PermutationSpec(groups: groups), activations)
    }
}
