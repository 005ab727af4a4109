import Foundation

/// A heat map of a value over the triangle of three networks: each grid point λ drawn at its barycentric
/// position as a hexagon-sized dot, coloured from light (lowest) to dark (highest), with a scale.
struct SimplexChart {
    var title: String
    /// The three corners' names, for λ = (1, 0, 0), (0, 1, 0), (0, 0, 1).
    var corners: [String]
    var points: [[Double]]
    /// One value per point, in percent.
    var values: [Double]

    func svg() -> String {
        let size = 420.0, height = size * 3.squareRoot() / 2
        // Neighbouring grid points are one grid step (1 / divisions of an edge) apart.
        let spacing = size * (Set(points.flatMap { $0 }).filter { $0 > 0 }.min() ?? 1)
        let radius = min(spacing * 0.45, 40), margin = 44 + radius
        let corner = [(margin, margin + height), (margin + size, margin + height), (margin + size / 2, margin)]
        let finite = values.filter(\.isFinite)
        let low = finite.min() ?? 0, high = max(finite.max() ?? 1, low + 1e-9)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size + 2 * margin + 90))" height="\(Int(height + 2 * margin + 20))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="14" font-weight="bold">\(title)</text>
            <polygon points="\(corner.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))" fill="none" stroke="#333"/>

            """
        for (point, value) in zip(points, values) {
            let x = zip(point, corner).reduce(0) { $0 + $1.0 * $1.1.0 }
            let y = zip(point, corner).reduce(0) { $0 + $1.0 * $1.1.1 }
            let t = value.isFinite ? (value - low) / (high - low) : 0
            out += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(radius))\" fill=\"\(HeatScale.colour(t))\">"
            out +=
                "<title>λ = (\(point.map { String(format: "%.2f", $0) }.joined(separator: ", "))): \(String(format: "%.2f", value))%</title></circle>\n"
        }
        let labels = [
            (corner[0].0, corner[0].1 + radius + 16), (corner[1].0, corner[1].1 + radius + 16),
            (corner[2].0, corner[2].1 - radius - 6),
        ]
        for (name, at) in zip(corners, labels) {
            out += "<text x=\"\(f(at.0))\" y=\"\(f(at.1))\" text-anchor=\"middle\">\(name)</text>\n"
        }
        let barX = size + 2 * margin + 20
        for i in 0..<20 {
            let t = 1 - Double(i) / 19
            out +=
                "<rect x=\"\(f(barX))\" y=\"\(f(margin + Double(i) * height / 20))\" width=\"18\" height=\"\(f(height / 20 + 0.5))\" fill=\"\(HeatScale.colour(t))\"/>"
        }
        out += "\n<text x=\"\(f(barX + 22))\" y=\"\(f(margin + 10))\">\(String(format: "%.1f%%", high))</text>"
        out += "<text x=\"\(f(barX + 22))\" y=\"\(f(margin + height))\">\(String(format: "%.1f%%", low))</text>\n"
        return out + "</svg>\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
