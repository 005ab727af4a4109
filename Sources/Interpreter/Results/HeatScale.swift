/// The colour ramp of the heat maps: light yellow (lowest) to dark purple (highest), as viridis.
enum HeatScale {
    /// The colour at `t` in [0, 1] (clamped), as `#rrggbb`.
    static func colour(_ t: Double) -> String {
        let t = min(max(t.isFinite ? t : 0, 0), 1)
        let stops: [[Double]] = [[253, 231, 37], [53, 183, 121], [49, 104, 142], [68, 1, 84]]
        let scaled = t * Double(stops.count - 1)
        let i = min(Int(scaled), stops.count - 2), u = scaled - Double(i)
        let c = (0..<3).map { k in Int((stops[i][k] + (stops[i + 1][k] - stops[i][k]) * u).rounded()) }
        return "#" + c.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
