import Engine
import Testing

/// REPAIR: every pre-activation of a repaired network has its target statistics, an endpoint is left
/// as it is, and the result does not depend on the thread count.
@Suite struct RepairTests {
    static let inputs = ConvAlignmentTests.data.train.prefix(96, features: 64)
    /// An MLP, then a residual conv net (a shortcut convolution, residual adds) with each norm kind.
    static let kinds = ["mlp"] + ConvArchitecture.Norm.allCases.map(\.rawValue)

    /// Two trained networks of one architecture.
    static func pair(_ kind: String) throws -> (Network, Network) {
        guard let norm = ConvArchitecture.Norm(rawValue: kind) else {
            let recipe = Fixtures.recipe(epochs: 2, batch: 32)
            let train = ConvAlignmentTests.data.train
            func trained(_ seed: UInt64) throws -> Network {
                let result = try Trainer.train(
                    sizes: [64, 12, 10, 4], seed: seed, recipe: recipe, data: train, parallelism: .serial)
                return .mlp(result.final)
            }
            return (try trained(21), try trained(22))
        }
        var architecture = ConvNetTests.resnet(norm, stages: 2, blocks: 1)
        architecture.classes = 4
        let a = try ConvAlignmentTests.trained(architecture, seed: 21), b = try ConvAlignmentTests.trained(architecture, seed: 22)
        return (.conv(a), .conv(b))
    }

    static func statistics(_ network: Network, threads: Int = 1) -> [Repair.Statistics] {
        Repair.statistics(of: network, on: inputs, parallelism: Parallelism(threads: threads))
    }

    static func repaired(_ network: Network, _ targets: [Repair.Statistics], threads: Int = 1) -> Network {
        Repair.repair(network, toward: targets, on: inputs, parallelism: Parallelism(threads: threads))
    }

    static func bitwiseEqual(_ x: Network, _ y: Network) -> Bool {
        let (a, b) = (x.namedTensors, y.namedTensors)
        return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.tensor.isBitwiseEqual(to: $1.tensor) }
    }

    @Test("a REPAIRed midpoint has, in every layer, the mix of the ends' unit means and deviations", arguments: kinds)
    func repairedStatisticsMatchTargets(_ kind: String) throws {
        let (a, b) = try Self.pair(kind)
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [0.5, 0.5])
        let midpoint = Interpolation.combination([a, b], weights: [0.5, 0.5])
        let before = Self.statistics(midpoint), after = Self.statistics(Self.repaired(midpoint, targets))
        #expect(after.count == targets.count && !targets.isEmpty)
        // Float rounding of the folded scale and shift, relative to the unit's spread.
        for (layer, (measured, target)) in zip(after, targets).enumerated() {
            for c in target.mean.indices where target.deviation[c] > 0 {
                let place = "\(kind) layer \(layer) unit \(c)"
                #expect(abs(measured.mean[c] - target.mean[c]) <= 1e-3 * target.deviation[c], "\(place)")
                #expect(abs(measured.deviation[c] / target.deviation[c] - 1) <= 1e-3, "\(place)")
            }
        }
        // The test needs something to repair: before, some unit is off its target by more than 1%.
        let off = zip(before, targets).contains { measured, target in
            target.deviation.indices.contains { abs(measured.deviation[$0] / target.deviation[$0] - 1) > 0.01 }
        }
        #expect(off, "\(kind): the midpoint already had the target statistics")
    }

    @Test("REPAIR leaves an endpoint bit for bit as it is", arguments: ["mlp", "groupnorm", "none"])
    func endpointUnchanged(_ kind: String) throws {
        let (a, b) = try Self.pair(kind)
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [1, 0])
        #expect(Self.bitwiseEqual(Self.repaired(Interpolation.combination([a, b], weights: [1, 0]), targets), a))
    }

    @Test("REPAIR of pruned MLPs meets its targets and keeps pruned weights at exactly zero")
    func prunedStaysPruned() throws {
        let (x, y) = try Self.pair("mlp")
        guard case .mlp(let a0) = x, case .mlp(let b0) = y else { return }
        // Two pruning rounds of 20%, each network its own mask (as along an IMP sequence).
        func pruned(_ network: MLP) -> MLP {
            let mask = PruningMask.dense(.mlp(network)).pruning(.mlp(network), rate: 0.2, output: .half)
            return mask.pruning(.mlp(network), rate: 0.2, output: .half).applied(to: .mlp(network)).mlp ?? network
        }
        let (a, b) = (pruned(a0), pruned(b0))
        let targets = Repair.mix([Self.statistics(.mlp(a)), Self.statistics(.mlp(b))], weights: [0.5, 0.5])
        let midpoint = Interpolation.combination([.mlp(a), .mlp(b)], weights: [0.5, 0.5])
        guard case .mlp(let repaired) = Self.repaired(midpoint, targets) else {
            Issue.record("REPAIR changed the network's kind")
            return
        }
        var zeros = 0
        for l in a.layers.indices {
            let (wa, wb, wr) = (a.layers[l].weight.scalars, b.layers[l].weight.scalars, repaired.layers[l].weight.scalars)
            for i in wa.indices where wa[i] == 0 && wb[i] == 0 {
                zeros += 1
                #expect(wr[i] == 0, "layer \(l) weight \(i) came back as \(wr[i])")
            }
        }
        #expect(zeros > 0, "no weight is pruned in both networks")
        for (measured, target) in zip(Self.statistics(.mlp(repaired)), targets) {
            for c in target.mean.indices where target.deviation[c] > 0 {
                #expect(abs(measured.deviation[c] / target.deviation[c] - 1) <= 1e-3)
            }
        }
    }

    @Test("REPAIR gives the same bits on 1 and 2 threads", arguments: ["mlp", "layernorm"])
    func threadCountIndependent(_ kind: String) throws {
        let (a, b) = try Self.pair(kind)
        #expect(Self.statistics(a, threads: 1) == Self.statistics(a, threads: 2))
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [0.3, 0.7])
        let midpoint = Interpolation.combination([a, b], weights: [0.3, 0.7])
        #expect(Self.bitwiseEqual(Self.repaired(midpoint, targets, threads: 1), Self.repaired(midpoint, targets, threads: 2)))
    }
}
