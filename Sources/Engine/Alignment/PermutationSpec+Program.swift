extension LayerProgram {
    /// The permutation groups of the program, derived from how buffers share channels.
    public var permutationSpec: PermutationSpec { channelGroups.spec }

    /// The permutation groups and, for each, the buffers activation matching compares (their channels are
    /// the group's units, one sample per position).
    ///
    /// A convolution or linear layer starts a new set of units; norms, ReLU and pooling keep their input's;
    /// a flatten keeps them too, each unit now a block of height × width consecutive features; an
    /// addition merges its two inputs' sets into one, which is how a residual stream (the stem's output,
    /// every block's output and a stage's shortcut) becomes a single group. A set produced by one layer is
    /// named after it (`conv2`, `fc1`, `layer1.2.conv1`); a merged set is `stream1`, `stream2`, ….
    /// The input's units and the logits' are never permuted, nor is a set added to a differently blocked one.
    /// A GroupNorm of 2 to C − 1 groups normalises each run of consecutive channels together, so a set it
    /// reads is split into `parts` that a permutation keeps whole: the least common multiple of the group
    /// counts of every such norm on the set (one group, or one per channel, is permutation-equivariant like
    /// LayerNorm and BatchNorm and adds no constraint). When all those norms have one group count the parts
    /// are their groups, which a permutation may also exchange. A set is frozen if its parts would be
    /// single units, or if a norm's groups cut through the blocks of a flatten.
    /// Activation matching compares a group's ReLU outputs (for a residual stream, the stem's and every
    /// block's); a group without one compares the outputs of the layers that make it.
    var channelGroups: (spec: PermutationSpec, activations: [[Int]]) {
        var parent = Array(buffers.indices)
        func find(_ b: Int) -> Int {
            var b = b
            while parent[b] != b { b = parent[b] }
            return b
        }
        var block = [Int](repeating: 1, count: buffers.count)
        var producers: [Int: [String]] = [:]
        var rectified: [Int] = [], produced: [Int] = []
        var frozen = Set<Int>()
        var partitions: [(buffer: Int, parts: Int)] = []
        var attentions: [(q: Int, v: Int, heads: Int, layer: String)] = []
        func merge(_ a: Int, _ b: Int) {
            let (ra, rb) = (find(a), find(b))
            if block[a] != block[b] { frozen.formUnion([ra, rb]) }
            parent[rb] = ra
        }
        for (layer, from, to) in operations {
            switch layer.operation {
            case .conv, .linear, .tokenLinear:
                producers[to, default: []].append(layer.name)
                produced.append(to)
            case .relu, .gelu:
                parent[to] = find(from)
                block[to] = block[from]
                rectified.append(to)
            case .attention(let heads):
                let (q, k, v) = (layer.inputs[0], layer.inputs[1], layer.inputs[2])
                merge(q, k)
                block[to] = block[v]
                parent[to] = find(v)
                partitions += [(q, heads), (v, heads)]
                attentions.append((q, v, heads, layer.name))
            case .norm, .maxPool, .averagePool, .globalAveragePool, .positionEmbedding:
                parent[to] = find(from)
                block[to] = block[from]
                if case .norm(let kind) = layer.operation {
                    produced.append(to)
                    if case .group(let groups) = kind {
                        let features = buffers[from].channels
                        if let count = PermutationSpec.parts(groups: groups, features: features, block: block[from]) {
                            partitions.append((from, count))
                        } else {
                            frozen.insert(find(from))
                        }
                    }
                }
            case .flatten:
                parent[to] = find(from)
                block[to] = block[from] * buffers[from].height * buffers[from].width
            case .add:
                let (a, b) = (layer.inputs[0], layer.inputs[1])
                merge(a, b)
                parent[to] = find(a)
                block[to] = block[a]
            }
        }
        var parts: [Int: Int] = [:], counts: [Int: Set<Int>] = [:]
        for (buffer, count) in partitions where count > 1 {
            parts[find(buffer), default: 1] = lcm(parts[find(buffer), default: 1], count)
            counts[find(buffer), default: []].insert(count)
        }
        for (root, count) in parts {
            let units = buffers[root].channels
            // Parts of one unit admit only the identity; parts that do not tile the set cannot be kept whole.
            if count >= units || units % count != 0 { frozen.insert(root) }
        }
        let excluded = Set([find(0), find(buffers.count - 1)]).union(frozen.map(find))
        var order: [Int] = []
        for b in buffers.indices where !excluded.contains(find(b)) && !order.contains(find(b)) { order.append(find(b)) }
        var names: [Int: [String]] = [:]
        for (buffer, prefixes) in producers.sorted(by: { $0.key < $1.key }) { names[find(buffer), default: []] += prefixes }
        // Heads are exchangeable when both sets' parts are exactly the heads; otherwise they stay in place.
        var coupling: [Int: String] = [:], pinned = Set<Int>()
        for a in attentions where a.heads > 1 {
            let (qk, vo) = (find(a.q), find(a.v))
            let exact = [qk, vo].allSatisfy { parts[$0] == a.heads && counts[$0]?.count == 1 && !excluded.contains($0) }
            if exact && qk != vo && coupling[qk] == nil && coupling[vo] == nil {
                (coupling[qk], coupling[vo]) = (a.layer + ".heads", a.layer + ".heads")
            } else {
                pinned.formUnion([qk, vo])
            }
        }
        var streams = 0
        var groups: [PermutationSpec.Group] = []
        for root in order {
            let makers = names[root] ?? []
            let name: String
            if let a = attentions.first(where: { find($0.q) == root }) {
                name = a.layer + ".qk"
            } else if let a = attentions.first(where: { find($0.v) == root }) {
                name = a.layer + ".vo"
            } else if makers.count == 1 {
                name = makers[0]
            } else {
                streams += 1
                name = "stream\(streams)"
            }
            var members: [PermutationSpec.Member] = []
            for p in parameters {
                if let out = p.outputBuffer, find(out) == root {
                    // A norm after a flatten has one affine entry per feature: a block of them per unit.
                    members.append(.init(tensor: p.name, axis: 0, block: block[out]))
                }
                if let input = p.inputBuffer, find(input) == root {
                    members.append(.init(tensor: p.name, axis: 1, block: block[input]))
                }
            }
            groups.append(
                .init(
                    name: name, size: buffers[root].channels, members: members, parts: parts[root] ?? 1,
                    exchangeableParts: counts[root]?.count == 1 && !pinned.contains(root),
                    coupling: pinned.contains(root) ? nil : coupling[root]))
        }
        let activations = order.map { root in
            let unblocked = { (b: Int) in find(b) == root && block[b] == 1 }
            let relus = rectified.filter(unblocked)
            return relus.isEmpty ? produced.filter(unblocked) : relus
        }
        return (PermutationSpec(groups: groups), activations)
    }
}

/// The least common multiple of two positive integers.
private func lcm(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return a / x * b
}
