import Engine
import Testing

/// REPAIR: every pre-activation of a repaired network has its target statistics, an endpoint is left
/// as it is, and the result does not depend on the thread count.
@Suite struct RepairTests {
    static let inputs = ConvAlignmentTests.data.train.prefix(96, features: 64)
    /// An MLP, then a residual conv net (a shortcut convolution, residual adds) with each norm kind.
    static let kinds = ["mlp", "none"] + ConvNetTests.norms.compactMap { $0?.description }

    /// Two trained networks of one architecture.
    static func pair(_ kind: String) throws -> (Network, Network) {
        let architecture =
            kind == "mlp"
            ? Architecture.mlp(input: ConvNetTests.image, hidden: [12, 10], classes: 4)
            : ConvNetTests.resnet(
                ConvNetTests.norms.compactMap { $0 }.first { $0.description == kind }, stages: 2, blocks: 1, classes: 4)
        return (try ConvAlignmentTests.trained(architecture, seed: 21), try ConvAlignmentTests.trained(architecture, seed: 22))
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

    @Test("REPAIR leaves an endpoint bit for bit as it is", arguments: ["mlp", "group", "none"])
    func endpointUnchanged(_ kind: String) throws {
        let (a, b) = try Self.pair(kind)
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [1, 0])
        #expect(Self.bitwiseEqual(Self.repaired(Interpolation.combination([a, b], weights: [1, 0]), targets), a))
    }

    @Test("REPAIR of pruned MLPs meets its targets and keeps pruned weights at exactly zero")
    func prunedStaysPruned() throws {
        let (a0, b0) = try Self.pair("mlp")
        // Two pruning rounds of 20%, each network its own mask (as along an IMP sequence).
        func pruned(_ network: Network) -> Network {
            let mask = PruningMask.dense(network).pruning(network, rate: 0.2, output: .half)
            return mask.pruning(network, rate: 0.2, output: .half).applied(to: network)
        }
        let (a, b) = (pruned(a0), pruned(b0))
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [0.5, 0.5])
        let midpoint = Interpolation.combination([a, b], weights: [0.5, 0.5])
        let repaired = Self.repaired(midpoint, targets)
        var zeros = 0
        for (l, weight) in a.prunableWeights.enumerated() {
            let (wa, wb, wr) = (
                weight.tensor.scalars, b.tensors[weight.name]?.scalars ?? [], repaired.tensors[weight.name]?.scalars ?? []
            )
            for i in wa.indices where wa[i] == 0 && wb[i] == 0 {
                zeros += 1
                #expect(wr[i] == 0, "layer \(l) weight \(i) came back as \(wr[i])")
            }
        }
        #expect(zeros > 0, "no weight is pruned in both networks")
        for (measured, target) in zip(Self.statistics(repaired), targets) {
            for c in target.mean.indices where target.deviation[c] > 0 {
                #expect(abs(measured.deviation[c] / target.deviation[c] - 1) <= 1e-3)
            }
        }
    }

    @Test("REPAIR gives the same bits on 1 and 2 threads", arguments: ["mlp", "layer"])
    func threadCountIndependent(_ kind: String) throws {
        let (a, b) = try Self.pair(kind)
        #expect(Self.statistics(a, threads: 1) == Self.statistics(a, threads: 2))
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [0.3, 0.7])
        let midpoint = Interpolation.combination([a, b], weights: [0.3, 0.7])
        #expect(Self.bitwiseEqual(Self.repaired(midpoint, targets, threads: 1), Self.repaired(midpoint, targets, threads: 2)))
    }
}
