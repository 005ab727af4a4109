import DSL
import Foundation
import Interpreter
import Testing

/// Conv nets through the whole pipeline: spec, training, both alignments, barriers, the cache.
@Suite struct ConvRunTests {
    static func spec(norm: String) -> String {
        """
        lmc: 1
        name: conv
        datasets:
          d: {source: synthetic, features: 64, classes: 3, train: 240, test: 60, seed: 4}
        models:
          v: {kind: vgg, layers: [1, M, 2], width: 4, norm: \(norm)}
          r: {kind: resnet, stages: 2, blocks: 1, width: 3, norm: \(norm)}
        recipes:
          sgd: {optimizer: {sgd: {lr: 0.05}}, batch: 30, epochs: 2}
        networks:
          va: {model: v, data: d, recipe: sgd, seed: 1}
          vb: {model: v, data: d, recipe: sgd, seed: 2}
          ra: {model: r, data: d, recipe: sgd, seed: 1}
          rb: {model: r, data: d, recipe: sgd, seed: 2}
        alignments:
          vwm: {method: weight-matching, align: vb, to: va}
          ram: {method: activation-matching, align: rb, to: ra, samples: 60}
        interpolations:
          vnaive: {between: [va, vb]}
          vweight: {between: [va, vb], permute: vwm}
          ractivation: {between: [ra, rb], permute: ram}
        evaluation: {alphas: 3, splits: {test: all}, batchnorm_reset: 60}
        """
    }

    @Test("a VGG and a ResNet pair train, align and interpolate; a rerun is all cached", arguments: ["groupnorm", "batchnorm"])
    func endToEnd(_ norm: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try run(Self.spec(norm: norm), in: dir)
        #expect(first.summary.failures.isEmpty, "\(first.summary.failures)")
        #expect(first.summary.nodes.computed == first.summary.nodes.total)
        #expect(first.summary.barriers.count == 3 && first.summary.barriers.allSatisfy { $0.errorBarrier?.isFinite == true })
        let second = try run(Self.spec(norm: norm), in: dir)
        #expect(second.summary.nodes.computed == 0)
        #expect(second.summary.barriers.map(\.errorBarrier) == first.summary.barriers.map(\.errorBarrier))
    }

    @Test("a conv net exported permuted by its alignment and loaded back gives the aligned barrier exactly")
    func exportAndLoad() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try run(Self.spec(norm: "groupnorm"), in: dir)
        let plan = try Planner().plan(try SpecDecoder().decode(Self.spec(norm: "groupnorm"), file: "c.yaml", directory: dir))
        try NetworkExport.write(
            network: "vb", permutedBy: "vwm", plan: plan, cacheDirectory: dir + "/cache", to: dir + "/vb-aligned.safetensors")
        let reloaded = Self.spec(norm: "groupnorm")
            .replacingOccurrences(
                of: "  vb: {model: v, data: d, recipe: sgd, seed: 2}",
                with: "  vb: {model: v, data: d, load: vb-aligned.safetensors}"
            )
            .replacingOccurrences(of: "  vweight: {between: [va, vb], permute: vwm}\n", with: "")
            .replacingOccurrences(of: "  vwm: {method: weight-matching, align: vb, to: va}\n", with: "")
        let second = try run(reloaded, in: dir)
        #expect(second.summary.failures.isEmpty, "\(second.summary.failures)")
        let aligned = try #require(first.summary.barriers.first { $0.interpolation == "vweight" })
        let naiveToAligned = try #require(second.summary.barriers.first { $0.interpolation == "vnaive" })
        #expect(naiveToAligned.errorBarrier == aligned.errorBarrier && naiveToAligned.lossBarrier == aligned.lossBarrier)
    }

    @Test("BatchNorm models' barrier steps carry the reset; other models' keys do not mention it")
    func resetOnlyForBatchNorm() throws {
        for (norm, expected) in [("batchnorm", 60), ("groupnorm", nil)] as [(String, Int?)] {
            let plan = try Planner().plan(try SpecDecoder().decode(Self.spec(norm: norm), file: "c.yaml", directory: "."))
            let step = try #require(plan.steps.first { $0.name == "barrier/vnaive" })
            guard case .interpolate(_, _, _, _, let reset, _, _) = step.action else { Issue.record("\(step.action)"); continue }
            #expect(reset == expected)
        }
    }

    @Test("a REPAIRed path reuses every cached step, keeps the ends bit for bit and changes the points between")
    func repairedPath() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = Self.spec(norm: "groupnorm")
        let first = try run(plain, in: dir)
        let repaired = plain.replacingOccurrences(
            of: "  ractivation: {between: [ra, rb], permute: ram}\n",
            with: "  ractivation: {between: [ra, rb], permute: ram}\n  rrepair: {between: [ra, rb], permute: ram, repair: true}\n"
        ).replacingOccurrences(of: "batchnorm_reset: 60}", with: "batchnorm_reset: 60, repair_examples: 90}")
        let second = try run(repaired, in: dir)
        #expect(second.summary.failures.isEmpty, "\(second.summary.failures)")
        #expect(second.summary.nodes.computed == 1 && second.summary.nodes.total == first.summary.nodes.total + 1)
        let before = try #require(second.summary.interpolations["ractivation"]?.splits?["test"]?.loss)
        let after = try #require(second.summary.interpolations["rrepair"]?.splits?["test"]?.loss)
        #expect(before.count == 3 && after.count == 3)
        #expect(before.first == after.first && before.last == after.last)
        #expect(before[1] != after[1])
    }

    @Test("conv IMP: two pruned levels per net, a permutation per level, a carried mask; all cached on rerun")
    func pruning() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text =
            Self.spec(norm: "batchnorm")
            .replacingOccurrences(of: "batch: 30, epochs: 2}", with: "batch: 30, epochs: 2, checkpoints: [4]}")
            .replacingOccurrences(
                of: "  vnaive: {between: [va, vb]}\n",
                with: "  vnaive: {between: [va, vb]}\n  plevel: {between: [pa, pb], permute: pwm, at: levels}\n"
            )
            .replacingOccurrences(
                of: "alignments:\n",
                with: "alignments:\n  pwm: {method: weight-matching, align: pb, to: pa, at: levels}\n")
                + """

                pruning:
                  pa: {network: va, levels: 2, rate: 0.5, rewind: 4}
                  pb: {network: vb, levels: 2, rate: 0.5, rewind: 4}
                masked:
                  vb-pi: {network: vb, rewind: 4, mask: pa, level: 2, transport: vwm}
                """
        let first = try run(text, in: dir)
        #expect(first.summary.failures.isEmpty, "\(first.summary.failures)")
        let series = first.summary.barriers.filter { $0.interpolation == "plevel" }.sorted { ($0.level ?? -1) < ($1.level ?? -1) }
        #expect(series.map(\.level) == [0, 1, 2])
        #expect(series.map(\.permutation) == (0...2).map { "pwm@level=\($0)" })
        #expect(series.allSatisfy { $0.errorBarrier?.isFinite == true })
        let densities = series.compactMap(\.density)
        // Kernels lose half of what is left per level, the classifier a quarter: 0.27 of the weights remain.
        #expect(densities.first == 1 && abs((densities.last ?? 0) - 0.27) < 0.01, "\(densities)")
        #expect(first.summary.networks["vb-pi"] != nil)
        let second = try run(text, in: dir)
        #expect(second.summary.nodes.computed == 0)
        #expect(second.summary.barriers.map(\.errorBarrier) == first.summary.barriers.map(\.errorBarrier))
    }
}
