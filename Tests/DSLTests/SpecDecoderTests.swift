import Testing
import DSL
import Foundation

/// A valid spec that the bad-input corpus mutates one line at a time.
let validSpec = """
    lmc: 1
    name: demo
    datasets:
      d: {source: synthetic, features: 8, classes: 3, train: 100, test: 50}
    models:
      m: {kind: mlp, hidden: [16, 16]}
    recipes:
      r:
        optimizer: {sgd: {lr: 0.05}}
        epochs: 2
    networks:
      a: {model: m, data: d, recipe: r, seed: 1}
      b: {model: m, data: d, recipe: r, seed: 2}
    alignments:
      wm: {method: weight-matching, align: b, to: a}
    interpolations:
      naive: {between: [a, b]}
      aligned: {between: [a, b], permute: wm}
    evaluation: {alphas: 5, splits: {train: 50, test: all}}
    """

@Suite struct SpecDecoderTests {
    func decode(_ text: String) throws(DiagnosticError) -> Spec {
        try SpecDecoder().decode(text, file: "s.yaml", directory: "specs")
    }

    @Test("the valid spec decodes with defaults filled in")
    func decodesValid() throws {
        let spec = try decode(validSpec)
        #expect(spec.name == "demo")
        #expect(spec.networks.map(\.name) == ["a", "b"])
        let recipe = try #require(spec.recipes.first?.value)
        #expect(
            recipe.optimizer == .sgd(momentum: 0.9, nesterov: false) && recipe.weightDecay == 5e-4 && recipe.batchSize == 128
                && recipe.decay == .linear)
        #expect(spec.evaluation.alphas == [0, 0.25, 0.5, 0.75, 1])
        #expect(spec.evaluation.splits.map(\.count) == [50, nil])
        let plan = try Planner().plan(spec)
        #expect(
            plan.steps.map(\.name) == ["train/a", "eval/a", "train/b", "eval/b", "align/wm", "barrier/naive", "barrier/aligned"])
        #expect(plan.paths.map(\.permutation) == ["identity", "wm@end"])
    }

    @Test("weight matching's restarts: 1 is the default, so it keeps the step (and its cache key); 4 changes it")
    func restartsDefault() throws {
        func align(_ extra: String) throws -> PlanStep? {
            let text = validSpec.replacingOccurrences(of: "align: b, to: a}", with: "align: b, to: a\(extra)}")
            return try Planner().plan(decode(text)).steps.first { $0.name == "align/wm" }
        }
        let plain = try align("")
        #expect(plain != nil)
        #expect(try align(", restarts: 1") == plain)
        let four = try align(", restarts: 4")
        #expect(four?.action == .align(.weightMatching(maxSweeps: 100, seed: 0, restarts: 4)))
    }

    @Test("a relative dataset path resolves against the spec's directory")
    func relativePath() throws {
        let spec = try decode(
            validSpec.replacingOccurrences(
                of: "{source: synthetic, features: 8, classes: 3, train: 100, test: 50}", with: "{source: idx, path: data/fm}"))
        #expect(spec.datasets.first?.value.source == .idx(directory: "specs/data/fm"))
    }

    @Test("CIFAR sources, labels, per-channel normalisation and a synthetic shape decode, paths relative to the spec")
    func decodesDatasets() throws {
        let synthetic = "{source: synthetic, features: 8, classes: 3, train: 100, test: 50}"
        func source(_ entry: String) throws -> DatasetSpec? {
            try decode(validSpec.replacingOccurrences(of: synthetic, with: entry)).datasets.first?.value
        }
        let c10 = try source("{source: cifar10, path: data/c10, normalize: per-channel}")
        #expect(c10?.source == .cifar10(directory: "specs/data/c10") && c10?.normalize == .perChannel)
        #expect(try source("{source: cifar100, path: /d/c100}")?.source == .cifar100(directory: "/d/c100", labels: .fine))
        #expect(
            try source("{source: cifar100, path: c, labels: coarse}")?.source == .cifar100(directory: "specs/c", labels: .coarse))
        let shaped = try source("{source: synthetic, features: 12, shape: [3, 2, 2], normalize: none}")
        guard case .synthetic(let s)? = shaped?.source else {
            Issue.record("not synthetic: \(String(describing: shaped))")
            return
        }
        #expect(s.shape == SyntheticDataSpec.Shape(channels: 3, height: 2, width: 2))
        #expect(shaped?.normalize == DatasetSpec.Normalization.none)
        guard case .synthetic(let plain)? = try source(synthetic)?.source else {
            Issue.record("not synthetic")
            return
        }
        #expect(plain.shape == nil, "no shape stated: the engine's assumed one")
    }

    /// Each case replaces the dataset entry of the valid spec (line 4) and names the code and column expected.
    @Test(
        "each invalid dataset entry is rejected with its code and line:col",
        arguments: [
            ("{source: cifar10, path: c, labels: fine}", "unknown-key", 33, "applies to cifar100 datasets only"),
            ("{source: cifar100, path: c, labels: fin}", "unknown-value", 42, "did you mean 'fine'?"),
            ("{source: cifar100, path: c, labels: [fine]}", "type-mismatch", 42, "one of fine, coarse"),
            ("{source: cifar100}", "missing-key", 6, "needs 'path'"),
            ("{source: cifar1000, path: c}", "unknown-value", 15, "did you mean 'cifar100'?"),
            ("{source: cifar10, path: c, normalize: per_channel}", "unknown-value", 44, "did you mean 'per-channel'?"),
            ("{source: cifar10, path: c, features: 8}", "unknown-key", 33, "applies to synthetic datasets only"),
            ("{source: idx, path: c, shape: [1, 2, 4]}", "unknown-key", 29, "applies to synthetic datasets only"),
            ("{source: synthetic, features: 8, shape: [1, 2, 3]}", "out-of-range", 46, "holds 6 values; features is 8"),
            ("{source: synthetic, features: 8, shape: [2, 4]}", "out-of-range", 46, "three integers"),
            ("{source: synthetic, features: 8, shape: 8}", "type-mismatch", 46, "must be a list"),
            ("{source: synthetic, features: 8, shape: [1, 0, 8]}", "out-of-range", 50, "between 1 and 4096"),
            ("{source: synthetic, features: 8, path: c}", "unknown-key", 39, "does not apply to synthetic datasets"),
        ])
    func rejectsDataset(entry: String, code: String, column: Int, message: String) {
        rejects(
            original: "{source: synthetic, features: 8, classes: 3, train: 100, test: 50}", replacement: entry, code: code,
            line: 4, column: column, message: message)
    }

    /// Each case replaces one piece of the valid spec and names the diagnostic code and location expected.
    @Test(
        "each invalid spec is rejected with its code and line:col",
        arguments: [
            ("epochs: 2", "epoch: 2", "unknown-key", 10, 5, "did you mean 'epochs'?"),
            ("lr: 0.05", "lr: -1", "out-of-range", 9, 27, "greater than"),
            ("lr: 0.05", "lr: fast", "type-mismatch", 9, 27, "must be a number"),
            ("hidden: [16, 16]", "hidden: [16, 0]", "out-of-range", 6, 31, "between 1 and"),
            ("hidden: [16, 16]", "hidden: 16", "type-mismatch", 6, 26, "must be a list"),
            ("recipe: r, seed: 1", "recipe: rr, seed: 1", "dangling-reference", 12, 34, "did you mean 'r'?"),
            ("align: b, to: a", "align: naive, to: a", "wrong-kind", 15, 40, "is an interpolation, not a network"),
            ("permute: wm}", "permute: a}", "wrong-kind", 18, 39, "is a network, not an alignment"),
            ("alphas: 5", "alphas: 1", "out-of-range", 19, 22, "between 2 and"),
            ("alphas: 5", "alphas: [0, 0.5]", "out-of-range", 19, 22, "from 0 to 1"),
            ("method: weight-matching", "method: weight-match", "unknown-value", 15, 16, "did you mean 'weight-matching'?"),
            ("lmc: 1", "lmc: 2", "out-of-range", 1, 6, "version"),
            ("name: demo", "name: a/b", "bad-name", 2, 7, "not a valid name"),
            ("splits: {train: 50, test: all}", "splits: {train: 50, tset: all}", "unknown-key", 19, 45, "did you mean 'test'?"),
            ("align: b, to: a}", "align: b, to: a, at: 7}", "unknown-checkpoint", 15, 54, "keeps no checkpoint at step 7"),
            ("naive: {between: [a, b]}", "naive: {between: [a, b], at: soon}", "type-mismatch", 17, 32, "a step, end"),
            ("naive: {between: [a, b]}", "naive: {between: [a, b], at: []}", "out-of-range", 17, 32, "at least one"),
            ("permute: wm}", "permute: [wm, wm]}", "wrong-direction", 18, 40, "aligned to one third network"),
            ("naive: {between: [a, b]}", "naive: {between: [a, b], at: levels}", "wrong-kind", 17, 32, "pruning sequences"),
            (
                "interpolations:", "pruning:\n  p: {network: a, levels: 2, rewind: 5}\ninterpolations:", "unknown-checkpoint", 17,
                38, "does not keep"
            ),
            ("hidden: [16, 16]", "hidden: [\"${width}\", 16]", "dangling-reference", 6, 27, "no sweep variable named 'width'"),
            (
                "kind: mlp, hidden: [16, 16]", "kind: vgg, hidden: [16, 16]", "unknown-key", 6, 18,
                "does not apply to a model of kind vgg"
            ),
            ("kind: mlp, hidden: [16, 16]", "kind: vgg, layers: [1, M, X], width: 4", "type-mismatch", 6, 33, "a layer"),
            ("permute: wm}", "permute: wm, repair: 3}", "type-mismatch", 18, 51, "true or false"),
            ("alphas: 5", "alphas: 5, repair_examples: 0", "out-of-range", 19, 42, "between 1 and"),
            ("align: b, to: a}", "align: b, to: a, restarts: 0}", "out-of-range", 15, 60, "between 1 and"),
            (
                "method: weight-matching, align: b, to: a}", "method: activation-matching, align: b, to: a, restarts: 2}",
                "unknown-key", 15, 64, "does not apply to activation-matching"
            ),
            ("kind: mlp, hidden: [16, 16]", "kind: resnet, width: 0", "out-of-range", 6, 28, "between 1 and"),
            ("kind: mlp, hidden: [16, 16]", "kind: vggg, layers: [1], width: 4", "unknown-value", 6, 13, "did you mean 'vgg'?"),
            ("kind: mlp, hidden: [16, 16]", "kind: vgg, layers: [1], width: 4, norm: batch", "unknown-value", 6, 47, "norm"),
            (
                "kind: mlp, hidden: [16, 16]", "kind: vgg, layers: [M], width: 4", "out-of-range", 6, 26,
                "at least one a convolution"
            ),
        ])
    func rejects(original: String, replacement: String, code: String, line: Int, column: Int, message: String) {
        let text = validSpec.replacingOccurrences(of: original, with: replacement)
        #expect(text != validSpec, "the case does not change the spec")
        do {
            _ = try decode(text)
            Issue.record("accepted: \(replacement)")
        } catch {
            let match = error.diagnostics.first { $0.code == code }
            #expect(match != nil, "\(code) not in \(error.diagnostics.map(\.code))")
            #expect(
                match?.location.line == line && match?.location.column == column,
                "\(code) at \(match.map { "\($0.location)" } ?? "-"), expected \(line):\(column)")
            #expect(match?.message.contains(message) == true, "\(match?.message ?? "")")
        }
    }

    @Test("augment decodes with its defaults; one that changes nothing is no augmentation, with the same steps")
    func decodesAugment() throws {
        func recipe(_ augment: String) throws -> RecipeSpec? {
            try decode(validSpec.replacingOccurrences(of: "epochs: 2", with: "epochs: 2\n    augment: \(augment)")).recipes
                .first?.value
        }
        #expect(try recipe("{crop: 4, flip: true}")?.augmentation == RecipeSpec.Augmentation(crop: 4, flip: true))
        #expect(try recipe("{crop: 16}")?.augmentation == RecipeSpec.Augmentation(crop: 16, flip: false))
        #expect(try recipe("{flip: true}")?.augmentation == RecipeSpec.Augmentation(crop: 0, flip: true))
        #expect(try decode(validSpec).recipes.first?.value.augmentation == nil)
        // What enters a cache key: each step's action and inputs (`origin` moves with the added line).
        func keyed(_ text: String) throws -> [String] {
            try Planner().plan(try decode(text)).steps.map { "\($0.name) \($0.action) \($0.inputs) \($0.dataset)" }
        }
        let plain = try keyed(validSpec)
        for nothing in ["{}", "{crop: 0, flip: false}", "{flip: false}"] {
            let text = validSpec.replacingOccurrences(of: "epochs: 2", with: "epochs: 2\n    augment: \(nothing)")
            #expect(try keyed(text) == plain, "augment: \(nothing)")
        }
        let cropped = validSpec.replacingOccurrences(of: "epochs: 2", with: "epochs: 2\n    augment: {crop: 1}")
        #expect(try keyed(cropped)[0] != plain[0], "train/a changes with a crop")
    }

    @Test("a recipe without augment encodes exactly the fields it had before augment existed (cache keys stay)")
    func recipeEncodingUnchanged() throws {
        let recipe = try #require(try decode(validSpec).recipes.first?.value)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(recipe)) as? [String: Any]
        let keys = try #require(object?.keys).sorted()
        #expect(
            keys == [
                "batchSize", "checkpoints", "decay", "epochs", "learningRate", "momentum", "nesterov", "warmupEpochs",
                "weightDecay",
            ])
        var augmented = recipe
        augmented.augmentation = .init(crop: 4, flip: true)
        let decoded = try JSONDecoder().decode(RecipeSpec.self, from: try encoder.encode(augmented))
        #expect(decoded == augmented)
        #expect(try JSONDecoder().decode(RecipeSpec.self, from: try encoder.encode(recipe)) == recipe)
    }

    /// Each case adds `augment: …` to the recipe (line 11) and names the code and column expected.
    @Test(
        "each invalid augment is rejected with its code and line:col",
        arguments: [
            ("augment: {crop: 17}", "out-of-range", 21, "between 0 and 16; got 17"),
            ("augment: {crop: -1}", "out-of-range", 21, "between 0 and 16"),
            ("augment: {crop: 2.5}", "type-mismatch", 21, "must be an integer"),
            ("augment: {crop: [4]}", "type-mismatch", 21, "must be an integer"),
            ("augment: {flip: yes}", "type-mismatch", 21, "true or false"),
            ("augment: {crop: 4, flips: true}", "unknown-key", 24, "did you mean 'flip'?"),
            ("augment: true", "type-mismatch", 14, "must be a mapping"),
            ("augmnt: {crop: 4}", "unknown-key", 5, "did you mean 'augment'?"),
        ])
    func rejectsAugment(entry: String, code: String, column: Int, message: String) {
        rejects(
            original: "epochs: 2", replacement: "epochs: 2\n    " + entry, code: code, line: 11, column: column,
            message: message)
    }

    @Test("at: expands alignments and interpolations over checkpoints, with stable names and labels")
    func trajectoryPlan() throws {
        let text = validSpec.replacingOccurrences(of: "epochs: 2", with: "epochs: 2\n    checkpoints: [0, 5]")
            .replacingOccurrences(of: "align: b, to: a}", with: "align: b, to: a, at: [5, end]}")
            .replacingOccurrences(
                of: "aligned: {between: [a, b], permute: wm}", with: "aligned: {between: [a, b], permute: wm, at: checkpoints}")
        let plan = try Planner().plan(try decode(text))
        #expect(plan.steps.filter { $0.kind == "align" }.map(\.name) == ["align/wm@step=5", "align/wm"])
        let series = plan.paths.filter { $0.interpolation == "aligned" }
        #expect(
            series.map(\.step) == [
                "barrier/aligned/wm@step=5/step=0", "barrier/aligned/wm@step=5/step=5", "barrier/aligned/wm@step=5/end",
                "barrier/aligned/wm@end/step=0", "barrier/aligned/wm@end/step=5", "barrier/aligned/wm@end/end",
            ])
        #expect(series.allSatisfy(\.isSeries) && plan.paths.first { $0.interpolation == "naive" }?.isSeries == false)
        let atFive = try #require(plan.steps.first { $0.name == "barrier/aligned/wm@step=5/step=5" })
        #expect(atFive.inputs == ["train/a", "train/b", "align/wm@step=5"])
        if case .interpolate(_, _, _, let at, _, _, _) = atFive.action {
            #expect(at == 5)
        } else {
            Issue.record("\(atFive.action)")
        }
    }

    @Test("matrix: expands every entry that uses a variable, or refers to one that does, with references rewired")
    func sweepExpansion() throws {
        let text =
            "matrix:\n  width: [8, 32]\n  seed: [1]\n"
            + validSpec.replacingOccurrences(of: "hidden: [16, 16]", with: "hidden: [\"${width}\", \"${width}\"]")
            .replacingOccurrences(of: "seed: 2}", with: "seed: \"${seed}\"}")
        let spec = try decode(text)
        #expect(spec.models.map(\.name) == ["m@width=8", "m@width=32"])
        #expect(spec.models.first?.value.hidden == [8, 8])
        #expect(spec.networks.map(\.name) == ["a@width=8", "a@width=32", "b@width=8,seed=1", "b@width=32,seed=1"])
        #expect(spec.networks.first { $0.name == "b@width=32,seed=1" }?.value.model.name == "m@width=32")
        #expect(spec.recipes.map(\.name) == ["r"], "entries that use no variable stay single")
        let plan = try Planner().plan(spec)
        let aligned = plan.paths.filter { $0.sweepBase == "aligned" }
        #expect(aligned.map(\.interpolation) == ["aligned@width=8,seed=1", "aligned@width=32,seed=1"])
        #expect(aligned.map(\.permutation) == ["wm@end", "wm@end"])
        #expect(
            aligned.first?.coordinates == [SweepCoordinate(name: "width", value: "8"), SweepCoordinate(name: "seed", value: "1")])
    }

    @Test("permute: [x, y] interpolates both networks in a third network's unit order")
    func indirectPlan() throws {
        let text = validSpec.replacingOccurrences(
            of: "  b: {model: m, data: d, recipe: r, seed: 2}",
            with: "  b: {model: m, data: d, recipe: r, seed: 2}\n  c: {model: m, data: d, recipe: r, seed: 3}"
        )
        .replacingOccurrences(
            of: "  wm: {method: weight-matching, align: b, to: a}",
            with:
                "  wm: {method: weight-matching, align: b, to: a}\n  ac: {method: weight-matching, align: a, to: c}\n  bc: {method: weight-matching, align: b, to: c}"
        )
        .replacingOccurrences(
            of: "aligned: {between: [a, b], permute: wm}", with: "aligned: {between: [a, b], permute: [ac, bc]}")
        let plan = try Planner().plan(try decode(text))
        let path = try #require(plan.paths.first { $0.interpolation == "aligned" })
        #expect(path.permutation == "via-c")
        #expect(plan.steps.first { $0.name == path.step }?.inputs == ["train/a", "train/b", "align/bc", "align/ac"])
    }

    @Test("every error is reported at once, in source order")
    func allErrorsAtOnce() {
        let text = validSpec.replacingOccurrences(of: "epochs: 2", with: "epochs: 0")
            .replacingOccurrences(of: "seed: 2", with: "seed: -2")
            .replacingOccurrences(of: "alphas: 5", with: "alphas: x")
        do {
            _ = try decode(text)
            Issue.record("accepted")
        } catch {
            #expect(error.diagnostics.map(\.location.line) == [10, 13, 19])
        }
    }

    @Test("interpolating through an alignment in the wrong direction is an error")
    func wrongDirection() {
        let text = validSpec.replacingOccurrences(of: "align: b, to: a", with: "align: a, to: b")
        #expect(throws: DiagnosticError.self) { try decode(text) }
        do { _ = try decode(text) } catch { #expect(error.diagnostics.map(\.code) == ["wrong-direction"]) }
    }

    @Test("did-you-mean only suggests close names")
    func suggestions() {
        let text = validSpec.replacingOccurrences(of: "epochs: 2", with: "zzzzzzzz: 2")
        do { _ = try decode(text) } catch {
            let unknown = error.diagnostics.first { $0.code == "unknown-key" }
            #expect(unknown?.message.contains("did you mean") == false)
        }
    }
}
