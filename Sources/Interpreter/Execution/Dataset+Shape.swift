import Engine

extension Dataset {
    /// The examples' image shape: 1×s×s for s² features, else 1×1×features.
    var shape: ImageShape {
        let side = Int(Double(features).squareRoot().rounded())
        return side * side == features
            ? ImageShape(channels: 1, height: side, width: side) : ImageShape(channels: 1, height: 1, width: features)
    }
}
