import Testing
import Engine

@Suite struct AlignmentTests {
    static func trained(seed: UInt64, sizes: [Int] = [20, 48, 48, 4]) throws -> (Network, Dataset) {
        let data = Fixtures.dataset()
        let result = try Trainer.train(
            try Fixtures.mlp(sizes), seed: seed, recipe: Fixtures.recipe(epochs: 4), data: data.train,
            parallelism: .serial)
        return (result.final, data)
    }

    @Test("weight matching recovers a planted permutation of a trained MLP exactly: barrier 0")
    func weightMatchingRecoversPlanted() throws {
        let (a, data) = try Self.trained(seed: 1)
        var stream = RandomStream(seed: 21, purpose: "planted")
        let planted = a.permutationSpec.groups.map { Permutation.random($0.size, using: &stream) }
        let b = a.permuted(by: planted)
        let result = try WeightMatching.align(
            b.tensors, to: a.tensors, spec: a.permutationSpec,
            maxSweeps: 100, seed: 0, parallelism: .serial)
        let aligned = b.permuted(by: result.permutations)
        #expect(aligned.isBitwiseEqual(a))
        #expect(zip(result.permutations, planted).allSatisfy { $0.then($1).isIdentity || $1.then($0).isIdentity })
        let alphas = EvaluationGrid.alphas
        let curve = alphas.map { Interpolation.point(a, aligned, alpha: $0).measure(on: data.test, parallelism: .serial).loss }
        // The networks are identical, so only the rounding of (1−α)·w + α·w (about 1 ulp per weight) remains.
        #expect(Interpolation.barrier(alphas: alphas, values: curve) <= 1e-6)
    }

    @Test("restarts keep the best of the runs from seeds seed, seed + 1, …, and report its true objective")
    func restartsKeepBest() throws {
        let (a, _) = try Self.trained(seed: 1)
        let (b, _) = try Self.trained(seed: 2)
        let (ta, tb, spec) = (a.tensors, b.tensors, a.permutationSpec)
        let runs = try (0..<6).map { (seed: UInt64) in
            try WeightMatching.align(tb, to: ta, spec: spec, maxSweeps: 100, seed: 10 + seed, parallelism: .serial)
        }
        // Oracle for the objective: Σ⟨A, π(B)⟩ over the permuted network's tensors.
        for run in runs {
            let permuted = spec.apply(run.permutations, to: tb)
            let dot = ta.keys.reduce(0.0) { sum, name in
                zip(ta[name]?.scalars ?? [], permuted[name]?.scalars ?? []).reduce(sum) { $0 + Double($1.0) * Double($1.1) }
            }
            #expect(abs(run.objective - dot) <= 1e-9 * abs(dot))
        }
        // The orders must reach different optima, or choosing among them is not tested.
        #expect(Set(runs.map(\.objective)).count > 1)
        let best = try WeightMatching.align(
            tb, to: ta, spec: spec, maxSweeps: 100, seed: 10, restarts: 6, parallelism: .serial)
        let winner = try #require(
            runs.indices.max { runs[$0].objective < runs[$1].objective || (runs[$0].objective == runs[$1].objective && $0 > $1) })
        #expect(best.objective == runs[winner].objective)
        #expect(best.seed == 10 + UInt64(winner))
        #expect(best.permutations == runs[winner].permutations)
        #expect(runs.allSatisfy { $0.objective <= best.objective })
    }

    @Test(
        "activation matching recovers a planted permutation too",
        arguments: [ActivationMatching.Similarity.correlation, .crossMoment])
    func activationMatchingRecoversPlanted(similarity: ActivationMatching.Similarity) throws {
        let (a, data) = try Self.trained(seed: 3)
        var stream = RandomStream(seed: 5, purpose: "planted")
        let b = a.permuted(by: a.permutationSpec.groups.map { Permutation.random($0.size, using: &stream) })
        let perms = try ActivationMatching.align(b, to: a, inputs: data.train, similarity: similarity, parallelism: .serial)
        let aligned = b.permuted(by: perms)
        // Dead units (never active) are interchangeable, so compare functions, not tensors.
        let x = aligned.logits(data.test, parallelism: .serial), y = a.logits(data.test, parallelism: .serial)
        #expect((zip(x, y).map { abs($0 - $1) }.max() ?? .nan) <= 1e-5)
    }

    @Test("aligning independently trained networks lowers the barrier")
    func alignmentLowersBarrier() throws {
        let (a, data) = try Self.trained(seed: 1, sizes: [20, 128, 128, 4])
        let (b, _) = try Self.trained(seed: 2, sizes: [20, 128, 128, 4])
        let wm = try WeightMatching.align(
            b.tensors, to: a.tensors, spec: a.permutationSpec, maxSweeps: 100,
            seed: 0, parallelism: .serial)
        let alphas = EvaluationGrid.alphas
        func barrier(_ other: Network) -> Double {
            Interpolation.barrier(
                alphas: alphas,
                values: alphas.map {
                    Interpolation.point(a, other, alpha: $0).measure(on: data.test, parallelism: .serial).loss
                })
        }
        let naive = barrier(b), aligned = barrier(b.permuted(by: wm.permutations))
        #expect(aligned < naive, "naive \(naive), aligned \(aligned)")
    }

    @Test("barrier is the largest gap above the chord")
    func barrierDefinition() {
        #expect(Interpolation.barrier(alphas: [0, 0.5, 1], values: [1, 3, 2]) == 1.5)
        #expect(Interpolation.barrier(alphas: [0, 0.25, 0.5, 1], values: [2, 1, 1, 2]) == 0)
    }
}

enum EvaluationGrid {
    static let alphas = (0..<11).map { Double($0) / 10 }
}
