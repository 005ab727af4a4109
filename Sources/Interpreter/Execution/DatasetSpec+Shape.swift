import DSL
import Engine

extension DatasetSpec {
    /// The image shape and class count the spec alone determines: synthetic and CIFAR data; nil for IDX
    /// files, whose shape is in their headers.
    var declaredInputs: (shape: ImageShape, classes: Int)? {
        let cifar = ImageShape(channels: 3, height: 32, width: 32)
        switch source {
        case .synthetic(let s):
            let shape = s.shape.map { ImageShape(channels: $0.channels, height: $0.height, width: $0.width) }
            return (shape ?? ImageShape(features: s.features), s.classes)
        case .cifar10: return (cifar, 10)
        case .cifar100(_, .fine): return (cifar, 100)
        case .cifar100(_, .coarse): return (cifar, 20)
        case .idx: return nil
        }
    }
}
