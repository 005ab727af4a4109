import DSL
import Foundation
import Testing

@Suite struct OptimizerDecodingTests {
    func recipe(_ optimizer: String) throws(DiagnosticError) -> RecipeSpec? {
        try SpecDecoder().decode(
            validSpec.replacingOccurrences(of: "{sgd: {lr: 0.05}}", with: optimizer), file: "s.yaml", directory: "/"
        ).recipes.first?.value
    }

    @Test("adamw decodes with PyTorch's defaults (betas 0.9, 0.999; eps 1e-8; weight decay 0.01) and takes each")
    func decodesAdamW() throws {
        let defaults = try #require(try recipe("{adamw: {lr: 0.001}}"))
        #expect(defaults.optimizer == .adamW(beta1: 0.9, beta2: 0.999, epsilon: 1e-8))
        #expect(defaults.learningRate == 0.001 && defaults.weightDecay == 0.01)
        let given = try #require(try recipe("{adamw: {lr: 0.003, betas: [0.8, 0.95], eps: 1.0e-6, weight_decay: 0.1}}"))
        #expect(given.optimizer == .adamW(beta1: 0.8, beta2: 0.95, epsilon: 1e-6))
        #expect(given.learningRate == 0.003 && given.weightDecay == 0.1)
    }

    @Test("an AdamW recipe encodes its rule as one object, round-trips, and trains a different step than SGD")
    func adamWEncoding() throws {
        let adam = try #require(try recipe("{adamw: {lr: 0.05}}"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(adam)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["momentum"] == nil && object["nesterov"] == nil && object["adamW"] != nil)
        #expect(try JSONDecoder().decode(RecipeSpec.self, from: data) == adam)
        let sgd = try #require(try recipe("{sgd: {lr: 0.05}}"))
        #expect(try encoder.encode(sgd) != data)
    }

    @Test(
        "a malformed optimizer is rejected at its place, with what is wrong",
        arguments: [
            ("{adamw: {lr: 0.01, betas: [0.9]}}", "out-of-range", "[0.9]", "two decay rates"),
            ("{adamw: {lr: 0.01, betas: [0.9, 1.5]}}", "out-of-range", "1.5", "beta"),
            ("{adamw: {lr: 0.01, eps: 0}}", "out-of-range", "0}}", "eps"),
            ("{adamw: {lr: 0.01, momentum: 0.9}}", "unknown-key", "momentum", "unknown key 'momentum'"),
            ("{adamw: {betas: [0.9, 0.99]}}", "missing-key", "{betas", "needs 'lr'"),
            ("{adam: {lr: 0.01}}", "unknown-key", "adam", "did you mean 'adamw'?"),
            ("{sgd: {lr: 0.05}, adamw: {lr: 0.01}}", "bad-optimizer", "{sgd", "one optimizer, sgd or adamw; got 2"),
            ("{}", "bad-optimizer", "{}", "got 0"),
        ])
    func rejects(optimizer: String, code: String, at fragment: String, message: String) throws {
        let line = "    optimizer: " + optimizer
        let column = try #require(line.range(of: fragment)).lowerBound.utf16Offset(in: line) + 1
        do {
            _ = try recipe(optimizer)
            Issue.record("accepted: \(optimizer)")
        } catch {
            let match = error.diagnostics.first { $0.code == code }
            #expect(match != nil, "\(code) not in \(error.diagnostics.map { "\($0.code): \($0.message)" })")
            #expect(match?.location.line == 9 && match?.location.column == column, "\(match.map { "\($0.location)" } ?? "-")")
            #expect(match?.message.contains(message) == true, "\(match?.message ?? "")")
        }
    }
}
