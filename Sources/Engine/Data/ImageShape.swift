/// The shape of one image: channels, height and width.
///
/// One example is stored height × width × channels, channel last (NHWC for a batch), the layout the
/// engine's convolutions read: the value of channel `c` at row `y`, column `x` is at
/// `(y * width + x) * channels + c`.
public struct ImageShape: Sendable, Hashable, Codable {
    /// Values per pixel (1 for grey, 3 for RGB).
    public var channels: Int
    /// Rows of pixels.
    public var height: Int
    /// Pixels per row.
    public var width: Int

    /// An image of `channels` planes of `height` × `width` pixels.
    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// The shape assumed for examples of `features` values that state none: one channel of s × s pixels when
    /// `features` is a perfect square s², else one row of `features` pixels (1 × 1 × features).
    public init(features: Int) {
        let side = Int(Double(max(features, 0)).squareRoot().rounded())
        let (square, overflow) = side.multipliedReportingOverflow(by: side)
        if features > 0, !overflow, square == features {
            self.init(channels: 1, height: side, width: side)
        } else {
            self.init(channels: 1, height: 1, width: features)
        }
    }

    /// Values per example: channels × height × width.
    public var features: Int { channels * height * width }
}

extension ImageShape: CustomStringConvertible {
    /// `channels×height×width`, as in `3×32×32`.
    public var description: String { "\(channels)×\(height)×\(width)" }
}
