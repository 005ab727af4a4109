import DSL
import Engine
import Foundation
import Interpreter
import Testing

/// Models declared layer by layer: the built-in kinds spelt out train to the same weights and give the
/// same barriers; derived permutation groups preserve the function of any declared graph.
@Suite struct DeclaredModelTests {
    /// A built-in model and the same network declared layer by layer, on 1×8×8 images.
    static let equivalents: [(name: String, builtin: String, declared: String)] = [
        (
            "mlp", "{kind: mlp, hidden: [16, 12]}",
            "{layers: [flatten, {linear: 16, name: fc1}, relu, {linear: 12, name: fc2}, relu, {linear: classes, name: fc3}]}"
        ),
        (
            "vgg", "{kind: vgg, layers: [1, M, 2], width: 4, norm: groupnorm}",
            """

                layers:
                  - {conv: 4, name: conv1, bias: false}
                  - {norm: group, name: norm1}
                  - relu
                  - {maxpool: 2}
                  - {conv: 8, name: conv2, bias: false}
                  - {norm: group, name: norm2}
                  - relu
                  - global_avgpool
                  - {linear: classes, name: fc}
            """
        ),
        (
            "resnet", "{kind: resnet, stages: 2, blocks: 2, width: 3, norm: batchnorm}",
            """

                layers:
                  - {conv: 3, name: stem.conv, bias: false}
                  - {norm: batch, name: stem.norm}
                  - relu
                  - block: layer1
                    repeat: 2
                    layers: &identity
                      - {conv: 3, name: conv1, bias: false}
                      - {norm: batch, name: norm1}
                      - relu
                      - {conv: 3, name: conv2, bias: false}
                      - {norm: batch, name: norm2}
                      - {add: [norm2, input]}
                      - relu
                  - block: layer2.1
                    layers:
                      - {conv: 6, stride: 2, name: conv1, bias: false}
                      - {norm: batch, name: norm1}
                      - relu
                      - {conv: 6, name: conv2, bias: false}
                      - {norm: batch, name: norm2}
                      - {conv: 6, kernel: 1, stride: 2, from: input, name: shortcut.conv, bias: false}
                      - {norm: batch, name: shortcut.norm}
                      - {add: [norm2, shortcut.norm]}
                      - relu
                  - block: layer2
                    repeat: 1
                    start: 2
                    layers:
                      - {conv: 6, name: conv1, bias: false}
                      - {norm: batch, name: norm1}
                      - relu
                      - {conv: 6, name: conv2, bias: false}
                      - {norm: batch, name: norm2}
                      - {add: [norm2, input]}
                      - relu
                  - global_avgpool
                  - {linear: classes, name: fc}
            """
        ),
        (
            "vit", "{kind: vit, patch: 4, width: 8, depth: 2, heads: 2, mlp_ratio: 2}",
            """

                layers:
                  - {conv: 8, kernel: 4, stride: 4, padding: 0, name: patch_embed}
                  - {position_embedding: , name: pos_embed}
                  - block: blocks
                    repeat: 2
                    start: 0
                    layers:
                      - {norm: layer, name: norm1}
                      - {linear: 8, per: token, name: attn.q}
                      - {linear: 8, per: token, name: attn.k, from: norm1}
                      - {linear: 8, per: token, name: attn.v, from: norm1}
                      - {attention: [attn.q, attn.k, attn.v], heads: 2, name: attn}
                      - {linear: 8, per: token, name: attn.proj}
                      - {add: [input, attn.proj], name: residual}
                      - {norm: layer, name: norm2}
                      - {linear: 16, per: token, name: mlp.fc1}
                      - gelu
                      - {linear: 8, per: token, name: mlp.fc2}
                      - {add: [residual, mlp.fc2]}
                  - {norm: layer, name: norm}
                  - global_avgpool
                  - {linear: classes, name: head}
            """
        ),
    ]

    static func spec(builtin: String, declared: String) -> String {
        """
        lmc: 1
        name: declared
        datasets:
          d: {source: synthetic, features: 64, classes: 3, train: 240, test: 60, seed: 4}
        models:
          builtin: \(builtin)
          declared: \(declared)
        recipes:
          sgd: {optimizer: {sgd: {lr: 0.05}}, batch: 30, epochs: 2}
        networks:
          ba: {model: builtin, data: d, recipe: sgd, seed: 1}
          bb: {model: builtin, data: d, recipe: sgd, seed: 2}
          da: {model: declared, data: d, recipe: sgd, seed: 1}
          db: {model: declared, data: d, recipe: sgd, seed: 2}
        alignments:
          bwm: {method: weight-matching, align: bb, to: ba}
          dwm: {method: weight-matching, align: db, to: da}
          bam: {method: activation-matching, align: bb, to: ba, samples: 60}
          dam: {method: activation-matching, align: db, to: da, samples: 60}
        interpolations:
          bw: {between: [ba, bb], permute: bwm}
          dw: {between: [da, db], permute: dwm}
          ba-am: {between: [ba, bb], permute: bam, repair: true}
          da-am: {between: [da, db], permute: dam, repair: true}
        evaluation: {alphas: 3, splits: {test: all}, batchnorm_reset: 60, repair_examples: 60}
        """
    }

    @Test("a declared model spelling out a built-in kind trains to the same weights bit for bit", arguments: [0, 1, 2, 3])
    func sameWeights(_ index: Int) throws {
        let (name, builtin, declared) = Self.equivalents[index]
        let spec = try SpecDecoder().decode(Self.spec(builtin: builtin, declared: declared), file: "s.yaml", directory: "/")
        let data = Dataset.synthetic(features: 64, classes: 3, trainCount: 240, testCount: 60, noise: 1, seed: 4)
        let recipe = TrainingRecipe(
            learningRate: 0.05, optimizer: .sgd(momentum: 0.9, nesterov: false), weightDecay: 5e-4, batchSize: 30, epochs: 2,
            warmupEpochs: 0, decay: .linear, checkpoints: [])
        let trained = try ["builtin", "declared"].map { model in
            let program = try #require(spec.models.named(model)).value.program(input: data.shape, classes: 3)
            return try Trainer.train(program, seed: 1, recipe: recipe, data: data.train, parallelism: .serial).final
        }
        #expect(trained[0].namedTensors.map(\.name) == trained[1].namedTensors.map(\.name), "\(name): tensor names")
        #expect(trained[0].tensors.keys.allSatisfy { trained[0].tensors[$0] == trained[1].tensors[$0] }, "\(name): weights")
        #expect(trained[0].permutationSpec == trained[1].permutationSpec, "\(name): permutation groups")
    }

    @Test("a declared model spelling out a built-in kind gives the same barriers", arguments: [0, 1, 2, 3])
    func sameBarriers(_ index: Int) throws {
        let (name, builtin, declared) = Self.equivalents[index]
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try run(Self.spec(builtin: builtin, declared: declared), in: dir)
        #expect(outcome.summary.failures.isEmpty, "\(outcome.summary.failures)")
        let records = outcome.summary.barriers
        for (b, d) in [("bw", "dw"), ("ba-am", "da-am")] {
            let x = records.filter { $0.interpolation == b }, y = records.filter { $0.interpolation == d }
            #expect(!x.isEmpty && x.count == y.count)
            for (r, s) in zip(x, y) {
                #expect(r.split == s.split && r.lossBarrier == s.lossBarrier && r.errorBarrier == s.errorBarrier, "\(name) \(b)")
            }
        }
    }

    /// Declared graphs the built-in kinds do not cover, each with its input shape.
    static let graphs: [(name: String, input: ImageShape, layers: String)] = [
        (
            "convolutions, flatten, two hidden linear layers", ImageShape(channels: 1, height: 8, width: 8),
            """
            [{conv: 4, name: conv1}, relu, {maxpool: 2}, {conv: 6, name: conv2, stride: 2}, relu, flatten,
             {linear: 10, name: fc1}, relu, {linear: 7, name: fc2}, relu, {linear: classes, name: fc3}]
            """
        ),
        (
            "residual blocks with and without a 1×1 projection, BatchNorm", ImageShape(channels: 2, height: 6, width: 6),
            """
            [{conv: 4, name: stem, bias: false}, {norm: batch, name: bn}, relu,
             {block: b1, layers: [{conv: 4, name: c1}, {norm: batch, name: n1}, relu, {conv: 4, name: c2},
                                  {norm: batch, name: n2}, {add: [n2, input]}, relu]},
             {block: b2, layers: [{conv: 6, name: c1, stride: 2}, {norm: layer, name: n1}, relu, {conv: 6, name: c2},
                                  {conv: 6, kernel: 1, stride: 2, from: input, name: proj}, {add: [c2, proj]}, relu]},
             {avgpool: 3}, flatten, {linear: 5, name: fc1}, relu, {linear: classes, name: fc2}]
            """
        ),
        (
            "a 3×32×32 input", ImageShape(channels: 3, height: 32, width: 32),
            """
            [{conv: 5, kernel: 5, stride: 2, padding: 2, name: conv1}, {norm: group, name: gn}, relu, {avgpool: 2},
             {conv: 7, name: conv2}, relu, {maxpool: 2}, flatten, {linear: 9, name: fc1}, relu, {linear: classes, name: fc2}]
            """
        ),
        (
            "GroupNorm with 2 groups, with 3 groups on a residual stream, and with one group per channel",
            ImageShape(channels: 2, height: 4, width: 4),
            """
            [{conv: 4, name: c1}, {norm: group, groups: 2, name: gn1}, relu, {conv: 6, name: c2}, relu,
             {conv: 6, name: c3}, {norm: group, groups: 3, name: gn3}, {add: [gn3, c2]}, relu,
             {conv: 5, name: c4}, {norm: group, groups: 5, name: in4}, relu,
             global_avgpool, {linear: 5, name: fc1}, relu, {linear: classes, name: fc2}]
            """
        ),
    ]

    /// A network of the graph with every tensor random (norm affines and running statistics included).
    static func randomNetwork(_ index: Int) throws -> Network {
        let (_, input, layers) = graphs[index]
        return try randomNetwork(input: input, layers: layers, seed: UInt64(index))
    }

    /// A network of the declared layers, initialised from `seed + 1`, then every tensor moved by noise
    /// drawn from `seed` (running variances kept positive).
    static func randomNetwork(input: ImageShape, layers: String, seed: UInt64) throws -> Network {
        let text = """
            lmc: 1
            name: g
            datasets: {d: {source: synthetic, features: \(input.features), classes: 4}}
            models: {m: {layers: \(layers)}}
            recipes: {r: {optimizer: {sgd: {lr: 0.1}}, batch: 8, epochs: 1}}
            networks: {a: {model: m, data: d, recipe: r, seed: 1}}
            alignments: {}
            interpolations: {}
            """
        let spec = try SpecDecoder().decode(text, file: "g.yaml", directory: "/")
        let program = try #require(spec.models.named("m")).value.program(input: input, classes: 4)
        var network = Network(program: program, seed: seed + 1)
        for (name, tensor) in network.tensors {
            var stream = RandomStream(seed: seed, purpose: "perturb/" + name)
            let positive = name.hasSuffix("running_var")
            network.tensors[name] = Tensor(
                shape: tensor.shape,
                scalars: tensor.scalars.map { $0 + (positive ? stream.uniform(0, 1) : stream.uniform(-0.5, 0.5)) })
        }
        return network
    }

    @Test("random permutations of every derived group leave a declared model's logits unchanged", arguments: [0, 1, 2, 3])
    func permutationInvariance(_ index: Int) throws {
        let network = try Self.randomNetwork(index)
        let features = network.architecture.input.features
        var stream = RandomStream(seed: 7, purpose: "images")
        let images = Dataset.Split(
            inputs: (0..<5 * features).map { _ in stream.uniform(-2, 2) }, labels: [Int32](repeating: 0, count: 5))
        let spec = network.permutationSpec
        #expect(!spec.groups.isEmpty)
        let permutations = spec.randomPermutations(using: &stream)
        let before = network.logits(images, parallelism: .serial)
        let after = network.permuted(by: permutations).logits(images, parallelism: .serial)
        let scale = before.map { Double(abs($0)) }.max() ?? 1
        let difference = zip(before, after).map { Double(abs($0 - $1)) }.max() ?? .infinity
        #expect(difference <= 1e-5 * max(1, scale), "\(Self.graphs[index].name): \(difference) against logits of \(scale)")
        // Each group alone, permuted on all but one of its axes, breaks the function: the check has teeth.
        for (g, group) in spec.groups.enumerated() where group.members.count > 1 {
            var partial = spec, truncated = group
            truncated.members.removeLast()
            partial.groups = [truncated]
            let broken = Network(program: network.program, tensors: partial.apply([permutations[g]], to: network.tensors))
            let changed = broken.logits(images, parallelism: .serial)
            #expect(
                zip(before, changed).contains { Double(abs($0 - $1)) > 1e-3 * max(1, scale) } || permutations[g].isIdentity,
                "\(Self.graphs[index].name): group \(group.name) without its last axis changed nothing")
        }
    }

    @Test("a GroupNorm whose groups do not divide its input's channels is reported at its layer")
    func groupCountLocated() throws {
        let text = """
            lmc: 1
            name: g
            datasets: {d: {source: synthetic, features: 64, classes: 3, shape: [1, 8, 8]}}
            models:
              m:
                layers:
                  - {conv: 12, name: c1}
                  - {norm: group, groups: 5, name: gn}
                  - global_avgpool
                  - {linear: classes, name: fc}
            recipes: {r: {optimizer: {sgd: {lr: 0.1}}, batch: 8, epochs: 1}}
            networks: {a: {model: m, data: d, recipe: r, seed: 1}}
            alignments: {}
            interpolations: {}
            """
        let spec = try SpecDecoder().decode(text, file: "g.yaml", directory: "/")
        let diagnostics = ModelCheck.diagnostics(for: spec)
        let found = try #require(diagnostics.first, "\(diagnostics)")
        #expect(diagnostics.count == 1 && found.code == "shape-mismatch")
        #expect(found.location.line == 8 && found.location.column == 9, "\(found.location)")
        #expect(
            found.message.hasSuffix(
                "layer 'gn': GroupNorm with 5 groups needs a channel count divisible by 5; its input has 12 channels"),
            "\(found.message)")
    }

    @Test(
        "a GroupNorm of 2 to C − 1 groups splits its channels into exchangeable parts; one group per channel adds nothing")
    func groupNormGroups() throws {
        let spec = try Self.randomNetwork(3).permutationSpec
        // c1's channels form 2 groups of 2; c3's, in a stream with c2's, 3 groups of 2; c4's, 5 groups of 1.
        #expect(spec.groups.map(\.name) == ["c1", "stream1", "c4", "fc1"])
        #expect(spec.groups.map(\.parts) == [2, 3, 1, 1])
        #expect(spec.groups.map(\.exchangeableParts) == [true, true, false, false])
        // Graphs without such norms (BatchNorm, LayerNorm, GroupNorm of one group) have no parts.
        for index in 0..<3 { #expect(try Self.randomNetwork(index).permutationSpec.groups.allSatisfy { $0.parts == 1 }) }
    }

    @Test("a flatten after convolutions puts each channel's block of positions in one group")
    func flattenGroups() throws {
        let spec = try Self.randomNetwork(0).permutationSpec
        let conv2 = try #require(spec.groups.first { $0.name == "conv2" })
        // conv2's 6 channels on 2×2 positions feed fc1 as 24 inputs, 4 per channel.
        #expect(conv2.members.contains { $0.tensor == "fc1.weight" && $0.axis == 1 && $0.block == 4 })
        #expect(spec.groups.map(\.name) == ["conv1", "conv2", "fc1", "fc2"])
    }
}
