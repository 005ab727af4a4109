import Foundation

/// A counter-based random stream: value i is a fixed function of (seed, purpose, index, i).
///
/// Every consumer derives its own stream from explicit keys, so no result depends on which thread draws
/// first, and a stream can be recreated anywhere. The mixing function is SplitMix64's finaliser
/// (Steele, Lea, Flood 2014), applied to a Weyl sequence offset by the key.
public struct RandomStream: Sendable {
    private let key: UInt64
    private var counter: UInt64 = 0

    /// A stream for one purpose of one seed, such as `(seed: 1, purpose: "init/fc1.weight")`.
    public init(seed: UInt64, purpose: String, index: UInt64 = 0) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across processes, unlike Hasher
        for byte in purpose.utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        key = Self.mix(Self.mix(seed ^ 0x5851_f42d_4c95_7f2d) ^ Self.mix(h) ^ Self.mix(index &+ 0x1405_7b7e_f767_814f))
    }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        counter &+= 1
        return Self.mix(key &+ counter &* 0x9e37_79b9_7f4a_7c15)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        Float(Double(low) + (Double(high) - Double(low)) * unitDouble())
    }

    /// Standard normal (Box–Muller, one value per call).
    public mutating func normal() -> Double {
        let u = 1 - unitDouble()  // in (0, 1], so the logarithm is finite
        let v = unitDouble()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// Uniform integer in 0..<bound, without modulo bias (Lemire 2019).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let b = UInt64(bound)
        while true {
            let product = next().multipliedFullWidth(by: b)
            if product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// A uniformly random permutation of 0..<count (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        if count < 2 { return order }
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, below(i + 1))
        }
        return order
    }
}
