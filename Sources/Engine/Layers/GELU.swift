import Foundation

/// The Gaussian error linear unit in its exact form (Hendrycks & Gimpel 2016; PyTorch's `nn.GELU()`
/// default): GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)), with derivative Φ(x) + x·φ(x).
enum GELU {
    static func value(_ x: Float) -> Float { 0.5 * x * (1 + erf(x * Float(0.5.squareRoot()))) }

    static func derivative(_ x: Float) -> Float {
        let cdf = 0.5 * (1 + erf(x * Float(0.5.squareRoot())))
        let density = exp(-0.5 * x * x) * Float(1 / (2 * Double.pi).squareRoot())
        return cdf + x * density
    }
}
