/// The built-in families, as programs of layers. Their tensor names are documented in `grammar/README.md`
/// and are what existing safetensors files, `load:` specs and `lmc export` use.
extension Architecture {
    /// A multilayer perceptron: flatten, then `fc1` … `fcN` with a ReLU after each hidden layer.
    public static func mlp(input: ImageShape, hidden: [Int], classes: Int) -> Architecture {
        var architecture = Architecture(input: input, layers: [])
        architecture.append("flatten", .flatten)
        for (l, width) in (hidden + [classes]).enumerated() {
            architecture.append("fc\(l + 1)", .linear(outputs: width, bias: true))
            if l < hidden.count { architecture.append("relu\(l + 1)", .relu) }
        }
        return architecture
    }

    /// VGG-style: 3×3 convolutions `conv{i}` of the given widths (`nil`: a 2×2 max pool), each followed by
    /// `norm{i}` (when `norm` is not nil) and a ReLU; then global average pooling and a linear `fc`.
    ///
    /// Convolutions are biased only when no norm follows.
    public static func vgg(input: ImageShape, widths: [Int?], norm: Normalization.Kind?, classes: Int) -> Architecture {
        var architecture = Architecture(input: input, layers: [])
        var convs = 0, pools = 0
        for item in widths {
            if let width = item {
                convs += 1
                architecture.convNormReLU("conv\(convs)", norm: norm.map { ("norm\(convs)", $0) }, width: width, stride: 1)
            } else {
                pools += 1
                architecture.append("pool\(pools)", .maxPool(kernel: 2))
            }
        }
        architecture.classifier(classes: classes)
        return architecture
    }

    /// A ResNet-style network.
    ///
    /// A stem `stem.conv` (`stem.norm`, ReLU) of `width`, then `stages` stages of `blocks`
    /// basic blocks `layer{s}.{b}` (`conv1`, `norm1`, ReLU, `conv2`, `norm2`, plus the shortcut, then
    /// ReLU) with widths width·2^s, stride 2 at the first block of every stage after the first, and a 1×1
    /// `shortcut.conv` (`shortcut.norm`) where the shape changes; then global average pooling and a
    /// linear `fc`. ResNet-20: 3 stages of 3 blocks.
    public static func resnet(
        input: ImageShape, stages: Int, blocks: Int, width: Int, norm: Normalization.Kind?, classes: Int
    ) -> Architecture {
        var architecture = Architecture(input: input, layers: [])
        var x = architecture.convNormReLU("stem.conv", norm: norm.map { ("stem.norm", $0) }, width: width, stride: 1)
        var channels = width
        for s in 0..<stages {
            for b in 0..<blocks {
                let p = "layer\(s + 1).\(b + 1)"
                let out = width << s
                let stride = s > 0 && b == 0 ? 2 : 1
                architecture.convNormReLU(p + ".conv1", norm: norm.map { (p + ".norm1", $0) }, width: out, stride: stride)
                var y = architecture.conv(p + ".conv2", width: out, kernel: 3, stride: 1, bias: norm == nil)
                if let norm { y = architecture.append(p + ".norm2", .norm(norm)) }
                var shortcut = x
                if stride != 1 || channels != out {
                    shortcut = architecture.conv(
                        p + ".shortcut.conv", width: out, kernel: 1, stride: stride, bias: norm == nil, from: x)
                    if let norm { shortcut = architecture.append(p + ".shortcut.norm", .norm(norm)) }
                }
                architecture.append(p + ".add", .add, inputs: [y, shortcut])
                x = architecture.append(p + ".relu", .relu)
                channels = out
            }
        }
        architecture.classifier(classes: classes)
        return architecture
    }

    /// A vision transformer with pre-norm blocks and mean pooling over tokens (ViT: Dosovitskiy and others, 2021).
    ///
    /// `patch_embed`: a convolution of kernel and stride `patch` (the image's edges past the last whole
    /// patch dropped), one token per patch; `pos_embed`; `depth` blocks `blocks.{i}` (i from 0), each
    /// x + `attn.proj`(attention(`attn.q`, `attn.k`, `attn.v` of `norm1`(x))) then
    /// x + `mlp.fc2`(GELU(`mlp.fc1`(`norm2`(x)))), every linear layer per token and biased; then `norm`,
    /// the mean over tokens and the linear `head`. Norms are LayerNorm over each token's `width` features.
    public static func vit(
        input: ImageShape, patch: Int, width: Int, depth: Int, heads: Int, hidden: Int, classes: Int
    ) -> Architecture {
        var architecture = Architecture(input: input, layers: [])
        var x = architecture.append(
            "patch_embed", .conv(channels: width, kernel: patch, stride: patch, padding: 0, bias: true))
        x = architecture.append("pos_embed", .positionEmbedding)
        for i in 0..<depth {
            let p = "blocks.\(i)."
            let normed = architecture.append(p + "norm1", .norm(.layer), inputs: [x])
            let qkv = ["q", "k", "v"].map { name in
                architecture.append(p + "attn." + name, .tokenLinear(outputs: width, bias: true), inputs: [normed])
            }
            architecture.append(p + "attn", .attention(heads: heads), inputs: qkv)
            let attended = architecture.append(p + "attn.proj", .tokenLinear(outputs: width, bias: true))
            x = architecture.append(p + "add1", .add, inputs: [x, attended])
            architecture.append(p + "norm2", .norm(.layer))
            architecture.append(p + "mlp.fc1", .tokenLinear(outputs: hidden, bias: true))
            architecture.append(p + "mlp.gelu", .gelu)
            let mlp = architecture.append(p + "mlp.fc2", .tokenLinear(outputs: width, bias: true))
            x = architecture.append(p + "add2", .add, inputs: [x, mlp])
        }
        architecture.append("norm", .norm(.layer))
        architecture.append("pool", .globalAveragePool)
        architecture.append("head", .linear(outputs: classes, bias: true))
        return architecture
    }

    /// A convolution with "same" padding (kernel / 2).
    @discardableResult
    private mutating func conv(
        _ name: String, width: Int, kernel: Int, stride: Int, bias: Bool, from: Int? = nil
    ) -> Int {
        append(
            name, .conv(channels: width, kernel: kernel, stride: stride, padding: kernel / 2, bias: bias),
            inputs: from.map { [$0] })
    }

    /// A 3×3 convolution, its norm (biased without one) and a ReLU named after the convolution.
    @discardableResult
    private mutating func convNormReLU(
        _ name: String, norm: (name: String, kind: Normalization.Kind)?, width: Int, stride: Int
    ) -> Int {
        conv(name, width: width, kernel: 3, stride: stride, bias: norm == nil)
        if let norm { append(norm.name, .norm(norm.kind)) }
        return append(name + ".relu", .relu)
    }

    /// Global average pooling and the linear classifier `fc`.
    private mutating func classifier(classes: Int) {
        append("pool", .globalAveragePool)
        append("fc", .linear(outputs: classes, bias: true))
    }
}
