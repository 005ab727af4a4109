import Foundation

/// A self-contained SVG line chart: series of (x, y) points, axes with ticks, a legend.
///
/// Deliberately small: the plots a report needs (curves over α, barriers over training step, density
/// or width), readable in a browser or a Markdown viewer, with no dependency. `xLabels` replaces
/// numeric x ticks with category labels (checkpoint steps are spaced evenly, not to scale).
package struct LineChart {
    package struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var dashed = false

        package init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    var title: String
    var xTitle: String
    var yTitle: String
    var series: [Series]
    var xLabels: [(x: Double, label: String)]? = nil

    private static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
    ]
    private static let plotWidth = 406.0, plotHeight = 312.0
    private static let left = 64.0, top = 36.0

    package init(
        title: String, xTitle: String, yTitle: String, series: [Series], xLabels: [(x: Double, label: String)]? = nil
    ) {
        self.title = title
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.series = series
        self.xLabels = xLabels
    }

    package func svg() -> String {
        let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xs = points.map(\.x), ys = points.map(\.y)
        let (x0, x1) = Self.range(xs.min() ?? 0, xs.max() ?? 1)
        let (y0, y1) = Self.range(min(0, ys.min() ?? 0), ys.max() ?? 1)
        let xTicks = xLabels ?? Self.ticks(x0, x1).map { ($0, Self.label($0)) }
        // The legend sits right of the plot, as wide as its longest name (40 for the sample line and gaps).
        let legend = 40 + 8 + (series.map { Self.textWidth($0.name) }.max() ?? 0)
        let plotW = Self.plotWidth, plotH = Self.plotHeight, width = Self.left + plotW + max(legend, 120)
        // Labels that would collide are turned 40°, with room made below the plot.
        let longest = Double(xTicks.map(\.1.count).max() ?? 0)
        let rotate = Double(xTicks.count) * longest * 6.5 > plotW
        let height = Self.top + plotH + 52 + (rotate ? longest * 4.5 : 0)
        func px(_ x: Double) -> Double { Self.left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { Self.top + (1 - (y - y0) / (y1 - y0)) * plotH }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.left)" y="20" font-size="14" font-weight="bold">\(Self.escape(title))</text>

            """
        for tick in Self.ticks(y0, y1) {
            let y = Self.format(py(tick))
            out += "<line x1=\"\(Self.left)\" x2=\"\(Self.format(Self.left + plotW))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(Self.left - 6)\" y=\"\(y)\" text-anchor=\"end\" dy=\"4\">\(Self.label(tick))</text>\n"
        }
        for (x, text) in xTicks {
            let x = Self.format(px(x)), base = Self.format(Self.top + plotH)
            out += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(base)\" y2=\"\(Self.format(Self.top + plotH + 4))\" stroke=\"#333\"/>"
            out +=
                rotate
                ? "<text transform=\"translate(\(x) \(Self.format(Self.top + plotH + 14))) rotate(-40)\" text-anchor=\"end\">\(Self.escape(text))</text>\n"
                : "<text x=\"\(x)\" y=\"\(Self.format(Self.top + plotH + 18))\" text-anchor=\"middle\">\(Self.escape(text))</text>\n"
        }
        out += """
            <rect x="\(Self.left)" y="\(Self.top)" width="\(Self.format(plotW))" height="\(Self.format(plotH))" fill="none" stroke="#333"/>
            <text x="\(Self.format(Self.left + plotW / 2))" y="\(Self.format(height - 10))" text-anchor="middle">\(Self.escape(xTitle))</text>
            <text transform="translate(16 \(Self.format(Self.top + plotH / 2))) rotate(-90)" text-anchor="middle">\(Self.escape(yTitle))</text>

            """
        for (i, s) in series.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            let path = s.points.filter { $0.x.isFinite && $0.y.isFinite }
                .map { "\(Self.format(px($0.x))),\(Self.format(py($0.y)))" }.joined(separator: " ")
            let dash = s.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>\n"
            // A marker per point only where points are few enough to see one by one.
            for p in s.points where s.points.count <= Self.maxMarkedPoints && p.x.isFinite && p.y.isFinite {
                out += "<circle cx=\"\(Self.format(px(p.x)))\" cy=\"\(Self.format(py(p.y)))\" r=\"2.5\" fill=\"\(colour)\"/>"
            }
            let ly = Self.top + 10 + Double(i) * 18, lx = Self.left + plotW + 12
            out +=
                "\n<line x1=\"\(Self.format(lx))\" x2=\"\(Self.format(lx + 22))\" y1=\"\(Self.format(ly))\" y2=\"\(Self.format(ly))\" "
            out += "stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>"
            out += "<text x=\"\(Self.format(lx + 28))\" y=\"\(Self.format(ly + 4))\">\(Self.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Series with more points than this are drawn as lines only.
    static let maxMarkedPoints = 60

    /// The width of `text` at 12 px in DejaVu Sans (what librsvg and most Linux viewers fall back to for
    /// `sans-serif`), from its advance widths in font units of 2048 per em; an unknown character counts as
    /// wide as a digit's or more.
    static func textWidth(_ text: String) -> Double {
        let units = text.unicodeScalars.reduce(0) { sum, c -> Int in
            let narrow: [Character: Int] = [
                " ": 651, ".": 651, ",": 651, ":": 690, ";": 690, "'": 563, "(": 799, ")": 799, "[": 799, "]": 799,
                "-": 739, "_": 1024, "i": 569, "j": 569, "l": 569, "f": 721, "t": 803, "r": 842, "I": 604,
            ]
            let wide: [Character: Int] = [
                "m": 1995, "w": 1675, "@": 2048, "=": 1716, "%": 1946, "M": 1765, "W": 2025, "+": 1716, "<": 1716, ">": 1716,
            ]
            let character = Character(c)
            if let w = narrow[character] ?? wide[character] { return sum + w }
            if character.isUppercase { return sum + 1430 }
            return sum + 1303
        }
        return Double(units) / 2048 * 12
    }

    /// A non-empty range with a little headroom above.
    private static func range(_ low: Double, _ high: Double) -> (Double, Double) {
        if high <= low { return (low - 0.5, low + 0.5) }
        return (low, high + (high - low) * 0.05)
    }

    /// About five round tick values covering [low, high].
    private static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var t = (low / step).rounded(.up) * step
        while t <= high + step * 1e-9 && values.count < 20 {
            values.append(t)
            t += step
        }
        return values
    }

    private static func label(_ value: Double) -> String {
        let rounded = (value * 1e6).rounded() / 1e6
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%g", rounded)
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
