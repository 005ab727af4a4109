import Engine
import Testing

/// The crop-and-flip transform on hand-made images, and the draws that choose it.
@Suite struct AugmentationTests {
    /// A 3-row, 4-column image of 2 channels stored row, column, channel; pixel (y, x) channel c holds
    /// 1 + 100·y + 10·x + c, never 0, so padding shows.
    static let shape = ImageShape(channels: 2, height: 3, width: 4)
    static func value(_ y: Int, _ x: Int, _ c: Int) -> Float { Float(1 + 100 * y + 10 * x + c) }
    static let image: [Float] = (0..<3).flatMap { y in (0..<4).flatMap { x in (0..<2).map { value(y, x, $0) } } }

    /// torchvision's procedure step by step: pad with zeros, take the window, mirror it.
    static func oracle(_ image: [Float], _ shape: ImageShape, crop: Int, _ p: Augmentation.Placement) -> [Float] {
        let (h, w, c) = (shape.height, shape.width, shape.channels)
        var padded = [[[Float]]](
            repeating: [[Float]](repeating: [Float](repeating: 0, count: c), count: w + 2 * crop), count: h + 2 * crop)
        for y in 0..<h { for x in 0..<w { for k in 0..<c { padded[y + crop][x + crop][k] = image[(y * w + x) * c + k] } } }
        var window = (0..<h).map { y in Array(padded[p.top + y][p.left..<p.left + w]) }
        if p.mirrored { window = window.map { Array($0.reversed()) } }
        return window.flatMap { $0.flatMap { $0 } }
    }

    @Test("a known offset and flip put known pixels in known places; padding is zero")
    func knownPlacements() {
        let cropped = Augmentation(crop: 1).applied(.init(top: 0, left: 2, mirrored: false), to: Self.image, shape: Self.shape)
        // Output (y, x) is pixel (y − 1, x + 1): row 0 and column 3 fall in the padding.
        #expect(cropped[0..<8].allSatisfy { $0 == 0 }, "row 0 is padding")
        #expect(cropped[(1 * 4 + 0) * 2 + 0] == Self.value(0, 1, 0))
        #expect(cropped[(2 * 4 + 2) * 2 + 1] == Self.value(1, 3, 1))
        #expect((0..<3).allSatisfy { y in cropped[(y * 4 + 3) * 2] == 0 && cropped[(y * 4 + 3) * 2 + 1] == 0 }, "column 3")

        let mirrored = Augmentation(flip: true).applied(.init(top: 0, left: 0, mirrored: true), to: Self.image, shape: Self.shape)
        #expect(mirrored[0] == Self.value(0, 3, 0) && mirrored[(2 * 4 + 3) * 2 + 1] == Self.value(2, 0, 1))

        // Crop then flip: output (y, x) is pixel (y + 1, (3 − x) − 1); row 2 and column 3 are padding.
        let both = Augmentation(crop: 1, flip: true).applied(
            .init(top: 2, left: 0, mirrored: true), to: Self.image, shape: Self.shape)
        #expect(both[0] == Self.value(1, 2, 0) && both[(0 * 4 + 2) * 2 + 1] == Self.value(1, 0, 1))
        #expect(both[16..<24].allSatisfy { $0 == 0 }, "row 2 is padding")
        #expect(both[(1 * 4 + 3) * 2] == 0)
        // The centre window without a mirror is the image itself.
        let centre = Augmentation(crop: 3).applied(.init(top: 3, left: 3, mirrored: false), to: Self.image, shape: Self.shape)
        #expect(centre == Self.image)
    }

    @Test("every placement equals pad, crop and flip done step by step", arguments: [0, 1, 2, 5])
    func matchesTorchvisionSteps(crop: Int) {
        let augmentation = Augmentation(crop: crop, flip: true)
        for top in 0...2 * crop {
            for left in 0...2 * crop {
                for mirrored in [false, true] {
                    let p = Augmentation.Placement(top: top, left: left, mirrored: mirrored)
                    #expect(
                        augmentation.applied(p, to: Self.image, shape: Self.shape)
                            == Self.oracle(Self.image, Self.shape, crop: crop, p),
                        "crop \(crop), \(p)")
                }
            }
        }
    }

    @Test("draws cover every offset and both flips, take one value of the stream each, and ignore flip for offsets")
    func draws() {
        let crop = 2
        var withFlip = RandomStream(seed: 9, purpose: "augment", index: 3)
        var withoutFlip = RandomStream(seed: 9, purpose: "augment", index: 3)
        var counted = RandomStream(seed: 9, purpose: "augment", index: 3)
        var seen = Set<Augmentation.Placement>()
        for i in 0..<2000 {
            let p = Augmentation(crop: crop, flip: true).placement(from: &withFlip)
            let q = Augmentation(crop: crop).placement(from: &withoutFlip)
            _ = counted.next()
            #expect((0...2 * crop).contains(p.top) && (0...2 * crop).contains(p.left), "draw \(i): \(p)")
            #expect(!q.mirrored && q.top == p.top && q.left == p.left, "draw \(i)")
            seen.insert(p)
        }
        #expect(seen.count == 2 * 5 * 5, "seed 9: all \(2 * 5 * 5) placements in 2000 draws")
        #expect(withFlip.next() == counted.next(), "one value per placement")
    }
}
