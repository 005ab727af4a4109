/// Training-time augmentation as torchvision's CIFAR pipelines apply it: `RandomCrop(size, padding: crop)`
/// then `RandomHorizontalFlip()`.
///
/// Each training example is zero-padded by `crop` pixels on each side and cropped back to its own size at
/// an offset uniform in 0...2·crop in each direction; then, with `flip`, it is mirrored left to right with
/// probability 1/2. The padding is 0 of the stored values, which lmc has already normalised; torchvision
/// pads raw pixels before `Normalize`, so its padding is the normalised value of a black pixel instead.
/// Evaluation never augments.
public struct Augmentation: Sendable, Hashable {
    /// Pixels of zero padding on each side before the crop; 0 crops nothing.
    public let crop: Int
    /// Whether half the examples are mirrored left to right.
    public let flip: Bool

    /// The largest padding: keeps the number of placements, 2·(2·crop + 1)², far from overflow.
    public static let maxCrop = 1 << 12

    /// - Precondition: `crop` is in 0...`maxCrop`.
    public init(crop: Int = 0, flip: Bool = false) {
        precondition((0...Self.maxCrop).contains(crop), "crop must be 0 to \(Self.maxCrop); got \(crop)")
        self.crop = crop
        self.flip = flip
    }

    /// No augmentation: every example is used as stored.
    public static let none = Augmentation()

    /// Whether every example stays as stored (no crop, no flip).
    public var isIdentity: Bool { crop == 0 && !flip }

    /// Where one augmented example's pixels come from.
    public struct Placement: Sendable, Hashable {
        /// The crop window's first row in the padded image, in 0...2·crop.
        public var top: Int
        /// The crop window's first column in the padded image, in 0...2·crop.
        public var left: Int
        /// Whether the crop is mirrored left to right.
        public var mirrored: Bool

        public init(top: Int, left: Int, mirrored: Bool) {
            self.top = top
            self.left = left
            self.mirrored = mirrored
        }
    }

    /// The next example's placement, from one value of `stream`.
    ///
    /// One uniform integer below 2·(2·crop + 1)² encodes the three choices (the flip in its lowest digit),
    /// so every example takes one draw, in batch order. The offsets do not depend on `flip`: a run with
    /// the flip and one without crop their examples alike.
    public func placement(from stream: inout RandomStream) -> Placement {
        let side = 2 * crop + 1
        let value = stream.below(2 * side * side)
        let offsets = value / 2
        return Placement(top: offsets / side, left: offsets % side, mirrored: flip && value % 2 == 1)
    }

    /// Writes one example, placed by `placement`, into `destination`.
    ///
    /// The example is stored height × width × channels (channel-last). Output pixel (y, x) is pixel
    /// (y + top − crop, x′ + left − crop) of the example, with x′ = width − 1 − x when mirrored and x
    /// otherwise; a pixel outside the example is 0.
    ///
    /// - Parameters:
    ///   - shape: the example's shape.
    ///   - source: the example, `shape.features` values.
    ///   - destination: `shape.features` values, not overlapping `source`.
    /// - Precondition: both buffers hold `shape.features` values.
    /// - Complexity: O(`shape.features`).
    public func apply(
        _ placement: Placement, shape: ImageShape, from source: UnsafeBufferPointer<Float>,
        to destination: UnsafeMutableBufferPointer<Float>
    ) {
        let (height, width, channels) = (shape.height, shape.width, shape.channels)
        precondition(source.count == shape.features && destination.count == shape.features, "an example is not \(shape)")
        for y in 0..<height {
            let row = y + placement.top - crop
            let out = y * width * channels
            guard (0..<height).contains(row) else {
                for i in out..<out + width * channels { destination[i] = 0 }
                continue
            }
            for x in 0..<width {
                let column = (placement.mirrored ? width - 1 - x : x) + placement.left - crop
                let o = out + x * channels
                if (0..<width).contains(column) {
                    let s = (row * width + column) * channels
                    for k in 0..<channels { destination[o + k] = source[s + k] }
                } else {
                    for k in 0..<channels { destination[o + k] = 0 }
                }
            }
        }
    }

    /// `apply(_:shape:from:to:)` on an array, for tests and one-off use.
    package func applied(_ placement: Placement, to example: [Float], shape: ImageShape) -> [Float] {
        var result = [Float](repeating: 0, count: example.count)
        example.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { apply(placement, shape: shape, from: source, to: $0) }
        }
        return result
    }
}
