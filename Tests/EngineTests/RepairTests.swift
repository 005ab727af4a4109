import Engine
import Testing

/// REPAIR: every pre-activation of a repaired network has its target channel statistics, an endpoint is
/// left as it is, and the result does not depend on the thread count.
@Suite struct RepairTests {
    static let inputs = ConvAlignmentTests.data.train.prefix(96, features: 64)

    /// Two trained residual nets (a shortcut convolution, residual adds) of one architecture.
    static func pair(_ norm: ConvArchitecture.Norm) throws -> (ConvNet, ConvNet) {
        var architecture = ConvNetTests.resnet(norm, stages: 2, blocks: 1)
        architecture.classes = 4
        return (try ConvAlignmentTests.trained(architecture, seed: 21), try ConvAlignmentTests.trained(architecture, seed: 22))
    }

    static func statistics(_ network: ConvNet, threads: Int = 1) -> [Repair.Statistics] {
        Repair.statistics(of: network, on: inputs, batchSize: 32, parallelism: Parallelism(threads: threads))
    }

    @Test(
        "a REPAIRed midpoint has, in every layer, the mix of the ends' channel means and deviations",
        arguments: ConvArchitecture.Norm.allCases)
    func repairedStatisticsMatchTargets(_ norm: ConvArchitecture.Norm) throws {
        let (a, b) = try Self.pair(norm)
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [0.5, 0.5])
        let midpoint = Interpolation.point(a, b, alpha: 0.5)
        let repaired = Repair.repair(midpoint, toward: targets, on: Self.inputs, parallelism: .serial)
        let before = Self.statistics(midpoint), after = Self.statistics(repaired)
        #expect(after.count == targets.count && !targets.isEmpty)
        // Float rounding of the folded scale and shift, relative to the channel's spread.
        for (layer, (measured, target)) in zip(after, targets).enumerated() {
            for c in target.mean.indices where target.deviation[c] > 0 {
                let place = "\(norm) layer \(layer) channel \(c)"
                #expect(abs(measured.mean[c] - target.mean[c]) <= 1e-3 * target.deviation[c], "\(place)")
                #expect(abs(measured.deviation[c] / target.deviation[c] - 1) <= 1e-3, "\(place)")
            }
        }
        // The test needs something to repair: before, some channel is off its target by more than 1%.
        let off = zip(before, targets).contains { measured, target in
            target.deviation.indices.contains { abs(measured.deviation[$0] / target.deviation[$0] - 1) > 0.01 }
        }
        #expect(off, "\(norm): the midpoint already had the target statistics")
    }

    @Test("REPAIR leaves an endpoint bit for bit as it is", arguments: [ConvArchitecture.Norm.groupnorm, .none])
    func endpointUnchanged(_ norm: ConvArchitecture.Norm) throws {
        let (a, b) = try Self.pair(norm)
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [1, 0])
        let repaired = Repair.repair(
            Interpolation.point(a, b, alpha: 0), toward: targets, on: Self.inputs, parallelism: .serial)
        #expect(a.tensors.allSatisfy { name, tensor in repaired.tensors[name]?.isBitwiseEqual(to: tensor) == true })
    }

    @Test("REPAIR gives the same bits on 1 and 2 threads")
    func threadCountIndependent() throws {
        let (a, b) = try Self.pair(.layernorm)
        #expect(Self.statistics(a, threads: 1) == Self.statistics(a, threads: 2))
        let targets = Repair.mix([Self.statistics(a), Self.statistics(b)], weights: [0.3, 0.7])
        let midpoint = Interpolation.point(a, b, alpha: 0.7)
        let results = [1, 2].map { threads in
            Repair.repair(midpoint, toward: targets, on: Self.inputs, parallelism: Parallelism(threads: threads))
        }
        #expect(results[0].tensors.allSatisfy { name, tensor in results[1].tensors[name]?.isBitwiseEqual(to: tensor) == true })
    }
}
