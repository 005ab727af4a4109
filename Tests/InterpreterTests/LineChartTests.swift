import Foundation
import Testing

import Interpreter

/// Plots that hold up in any SVG viewer.
@Suite struct LineChartTests {
    static func chart(_ names: [String], points: Int) -> String {
        let series = names.map { name in
            LineChart.Series(name: name, points: (0..<points).map { (Double($0), Double($0 % 7)) })
        }
        return LineChart(title: "t", xTitle: "x", yTitle: "y", series: series).svg()
    }

    @Test("the legend is wide enough for its longest name in DejaVu Sans at 12 px")
    func legendFits() throws {
        let svg = Self.chart(["naive", "wm@step=1000"], points: 5)
        let width = try #require(svg.firstMatch(of: /width="(\d+)"/).flatMap { Double($0.1) })
        let textX = try #require(svg.firstMatch(of: /<text x="([\d.]+)" y="[\d.]+">wm@step=1000/).flatMap { Double($0.1) })
        // DejaVu Sans advance widths (units of 2048 per em) of w m @ s t e p = 1 0 0 0, at 12 px: 100.0 px.
        let needed = Double(1675 + 1995 + 2048 + 1067 + 803 + 1260 + 1300 + 1716 + 4 * 1303) / 2048 * 12
        #expect(width - textX >= needed, "\(width - textX) px for \(needed) px of text")
    }

    @Test("a series of hundreds of points is a line without a marker per point; a short one keeps its markers")
    func markers() {
        #expect(!Self.chart(["long"], points: 400).contains("<circle"))
        #expect(Self.chart(["short"], points: 25).components(separatedBy: "<circle").count - 1 == 25)
    }
}
