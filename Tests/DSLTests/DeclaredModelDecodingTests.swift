import DSL
import Foundation
import Testing

/// Models declared layer by layer: names, blocks and references as the decoder resolves them, and every
/// mistake located.
@Suite struct DeclaredModelDecodingTests {
    static func spec(_ layers: String) -> String {
        validSpec.replacingOccurrences(of: "m: {kind: mlp, hidden: [16, 16]}", with: "m:\n    layers:\n" + layers)
    }

    static func layers(_ text: String) throws -> [LayerSpec] {
        let spec = try SpecDecoder().decode(spec(text), file: "s.yaml", directory: "specs")
        return try #require(spec.models.first?.value.layers)
    }

    @Test("blocks prefix their layers' names, repeat with numbered copies, and read their input")
    func blocks() throws {
        let layers = try Self.layers(
            """
                  - {conv: 4, name: stem}
                  - block: layer1
                    repeat: 2
                    layers:
                      - {conv: 4, name: conv1}
                      - relu
                      - {add: [conv1, input]}
                  - {conv: 8, name: proj, kernel: 1, from: stem}
                  - {add: [proj, layer1]}
                  - global_avgpool
                  - {linear: classes, name: fc}
            """)
        #expect(
            layers.map(\.name) == [
                "stem", "layer1.1.conv1", "relu@3", "add@4", "layer1.2.conv1", "relu@6", "add@7", "proj", "add@9",
                "global_avgpool@10", "fc",
            ])
        // A block's first layer reads the block's input; `input` inside a block is that input too.
        #expect(layers[1].inputs == ["stem"] && layers[3].inputs == ["layer1.1.conv1", "stem"])
        #expect(layers[4].inputs == ["add@4"] && layers[6].inputs == ["layer1.2.conv1", "add@4"])
        // `from` names an earlier layer; a block's name stands for its last layer.
        #expect(layers[7].inputs == ["stem"] && layers[8].inputs == ["proj", "add@7"])
        #expect(layers[7].operation == .conv(channels: 8, kernel: 1, stride: 1, padding: 0, bias: true))
        #expect(layers[10].operation == .linear(outputs: nil, bias: true))
    }

    @Test("gelu is a layer, bare or as a key with no value, and takes no options")
    func gelu() throws {
        let layers = try Self.layers(
            """
                  - flatten
                  - {linear: 16, name: fc1}
                  - gelu
                  - {linear: 16, name: fc2}
                  - {gelu: , name: act}
                  - {linear: classes, name: fc3}
            """)
        #expect(layers[2].operation == .gelu && layers[4].operation == .gelu && layers[4].name == "act")
        #expect(throws: DiagnosticError.self) {
            try Self.layers("      - flatten\n      - {gelu: tanh}\n      - {linear: classes, name: fc}\n")
        }
    }

    @Test("transformer layers: per-token linear layers, a position embedding, attention naming q, k and v")
    func transformer() throws {
        let layers = try Self.layers(
            """
                  - {conv: 8, kernel: 4, stride: 4, padding: 0, name: patch}
                  - {position_embedding: , name: pos}
                  - {linear: 8, per: token, name: q}
                  - {linear: 8, per: token, name: k, from: pos}
                  - {linear: 8, per: token, name: v, from: pos, bias: false}
                  - {attention: [q, k, v], heads: 2}
                  - {linear: 8, per: sample, name: unused, from: input}
                  - global_avgpool
                  - {linear: classes, name: head, from: attention@6}
            """)
        #expect(layers[1].operation == .positionEmbedding && layers[1].name == "pos")
        #expect(layers[2].operation == .tokenLinear(outputs: 8, bias: true) && layers[2].inputs == [])
        #expect(layers[4].operation == .tokenLinear(outputs: 8, bias: false) && layers[4].inputs == ["pos"])
        #expect(layers[5].operation == .attention(heads: 2) && layers[5].inputs == ["q", "k", "v"])
        #expect(layers[6].operation == .linear(outputs: 8, bias: true))
        // Heads default to one.
        let one = try Self.layers(
            "      - {conv: 4, name: q}\n      - {attention: [q, q, q]}\n      - flatten\n      - {linear: classes, name: fc}\n")
        #expect(one[1].operation == .attention(heads: 1))
    }

    @Test("a GroupNorm takes 'groups' (default 1), stored as before when it has one group")
    func groupNorm() throws {
        let layers = try Self.layers(
            """
                  - {conv: 12, name: c1}
                  - {norm: group, name: gn1}
                  - {norm: group, groups: 4, name: gn4}
                  - {norm: layer, name: ln}
                  - global_avgpool
                  - {linear: classes, name: fc}
            """)
        #expect(layers[1].operation == .norm(.group(1)) && layers[2].operation == .norm(.group(4)))
        #expect(layers[3].operation == .norm(.layer))
        // The cache key holds the sorted-key JSON of each operation: one group keeps the spelling it had.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try layers[1...2].map { String(decoding: try encoder.encode($0.operation), as: UTF8.self) }
        #expect(json == [#"{"norm":{"_0":"group"}}"#, #"{"norm":{"_0":"group/4"}}"#])
        let decoded = try layers[1...2].map {
            try JSONDecoder().decode(LayerSpec.Operation.self, from: try encoder.encode($0.operation))
        }
        #expect(decoded == [.norm(.group(1)), .norm(.group(4))])
    }

    @Test(
        "each mistake in a declared model is reported at its place",
        arguments: [
            ("      - {linear: 8}\n", "missing-key", 8, 9, "needs a 'name'"),
            ("      - {linear: 8, name: a}\n      - {linear: 4, name: a}\n", "duplicate-name", 9, 27, "a second layer named 'a'"),
            ("      - {conv: 4, name: c1}\n      - {add: [c2, input]}\n", "dangling-reference", 9, 16, "did you mean 'c1'?"),
            ("      - {conv: 4, linear: 3, name: c}\n", "missing-key", 8, 9, "this one has conv and linear"),
            ("      - dropout\n", "unknown-value", 8, 9, "must be relu, gelu, flatten, global_avgpool"),
            ("      - {conv: 4, name: c, padding: 3}\n", "out-of-range", 8, 37, "below the kernel size 3"),
            ("      - {linear: 4, name: c, stride: 2}\n", "unknown-key", 8, 30, "'stride' does not apply to a linear layer"),
            ("      - {conv: 4, name: 'a b'}\n", "bad-name", 8, 25, "got 'a b'"),
            ("      - {relu: 3}\n", "type-mismatch", 8, 16, "relu must be empty"),
            ("      - {norm: group, name: gn, groups: 0}\n", "out-of-range", 8, 41, "norm.groups must be between 1 and 4096"),
            ("      - {norm: group, name: gn, groups: two}\n", "type-mismatch", 8, 41, "norm.groups must be an integer"),
            ("      - {norm: batch, name: bn, groups: 2}\n", "unknown-key", 8, 33, "'groups' applies to norm: group"),
            ("      - {conv: 4, name: c, groups: 2}\n", "unknown-key", 8, 28, "'groups' does not apply to a conv layer"),
            ("      - {linear: 4, name: l, per: pixel}\n", "unknown-value", 8, 35, "linear.per must be one of"),
            ("      - {linear: classes, name: l, per: token}\n", "out-of-range", 8, 18, "per-token linear layer takes a number"),
            (
                "      - {conv: 4, name: q}\n      - {attention: [q, q]}\n", "type-mismatch", 9, 21,
                "attention must name the layers of its queries, keys and values, as [q, k, v]"
            ),
            ("      - {conv: 4, name: q}\n      - {attention: [q, q, w]}\n", "dangling-reference", 9, 28, "no layer named 'w'"),
            (
                "      - {conv: 4, name: q}\n      - {attention: [q, q, q], heads: 0}\n", "out-of-range", 9, 39,
                "attention.heads must be between 1"
            ),
            (
                "      - {conv: 4, name: q}\n      - {attention: [q, q, q], from: q}\n", "unknown-key", 9, 38,
                "'from' does not apply to attention"
            ),
            ("      - {position_embedding: }\n", "missing-key", 8, 9, "a position_embedding layer needs a 'name'"),
            ("      - {linear: 4, name: l, heads: 2}\n", "unknown-key", 8, 30, "'heads' does not apply to a linear layer"),
        ])
    func rejects(layers: String, code: String, line: Int, column: Int, message: String) {
        do {
            _ = try SpecDecoder().decode(Self.spec(layers), file: "s.yaml", directory: "specs")
            Issue.record("accepted: \(layers)")
        } catch {
            let found = error.diagnostics.first { $0.code == code }
            #expect(found?.location.line == line && found?.location.column == column, "\(error.diagnostics)")
            #expect(found?.message.contains(message) == true, "\(error.diagnostics)")
        }
    }
}
