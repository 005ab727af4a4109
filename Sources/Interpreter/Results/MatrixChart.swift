import Foundation

/// A heat map of a symmetric value between every pair of N networks (the pairwise barriers of an
/// interpolation of N networks): one cell per pair, its value written in it, the diagonal left blank.
struct MatrixChart {
    var title: String
    /// The networks, in row and column order.
    var names: [String]
    /// `values[i][j]` for i ≠ j, in percent; nil where not measured.
    var values: [[Double?]]

    func svg() -> String {
        let n = names.count, cell = max(36.0, min(64.0, 420.0 / Double(max(n, 1))))
        let left = 20 + 7.0 * Double(names.map(\.count).max() ?? 1), top = 70.0
        let finite = values.flatMap { $0.compactMap { $0 } }.filter(\.isFinite)
        let low = finite.min() ?? 0, high = max(finite.max() ?? 1, low + 1e-9)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(max(left + cell * Double(n) + 20, 20 + 8 * Double(title.count))))" \
            height="\(Int(top + cell * Double(n) + 20))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="14" font-weight="bold">\(title)</text>

            """
        for (j, name) in names.enumerated() {
            out += "<text x=\"\(f(left + (Double(j) + 0.5) * cell))\" y=\"\(f(top - 8))\" text-anchor=\"middle\">\(name)</text>\n"
        }
        for (i, name) in names.enumerated() {
            let y = top + Double(i) * cell
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"end\">\(name)</text>\n"
            for j in 0..<n {
                let x = left + Double(j) * cell
                guard i != j, let value = values[i][j] else {
                    out += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"#eee\"/>\n"
                    continue
                }
                let t = (value - low) / (high - low)
                out +=
                    "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(HeatScale.colour(t))\"/>"
                out += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"middle\" "
                out += "fill=\"\(t > 0.5 ? "white" : "black")\">\(String(format: "%.1f", value))</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
