import Foundation

/// The Gaussian error linear unit in its exact form (Hendrycks & Gimpel 2016; PyTorch's `nn.GELU()`
/// default): GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)), with derivative Φ(x) + x·φ(x).
///
/// Training keeps erf(x/√2) from the forward pass for backward (`value(_:erf:)`, `derivative(_:erf:)`):
/// the same bits as computing it again, at half the calls to erf.
enum GELU {
    /// erf(x/√2), the costly part of both value and derivative.
    static func erfTerm(_ x: Float) -> Float { erf(x * Float(0.5.squareRoot())) }

    static func value(_ x: Float) -> Float { value(x, erf: erfTerm(x)) }

    static func value(_ x: Float, erf e: Float) -> Float { 0.5 * x * (1 + e) }

    static func derivative(_ x: Float, erf e: Float) -> Float {
        let cdf = 0.5 * (1 + e)
        let density = exp(-0.5 * x * x) * Float(1 / (2 * Double.pi).squareRoot())
        return cdf + x * density
    }
}
