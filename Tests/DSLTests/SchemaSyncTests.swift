import DSL
import Foundation
import Testing

/// `grammar/lmc.schema.json` must allow exactly the keys the decoder allows, section by section.
@Suite struct SchemaSyncTests {
    static func schema() throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("grammar/lmc.schema.json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func keys(_ object: [String: Any]?) -> Set<String> {
        Set((object?["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
    }

    @Test("every section of the schema has the decoder's keys, no more, no fewer")
    func keysMatch() throws {
        let schema = try Self.schema()
        let defs = try #require(schema["$defs"] as? [String: [String: Any]])
        #expect(Self.keys(schema) == Set(SpecKeys.top))
        let sections: [(String, [String])] = [
            ("dataset", SpecKeys.dataset), ("model", SpecKeys.model), ("recipe", SpecKeys.recipe),
            ("network", SpecKeys.network), ("loadedNetwork", SpecKeys.loadedNetwork), ("pruning", SpecKeys.pruning),
            ("masked", SpecKeys.masked),
            ("alignment", SpecKeys.alignment), ("interpolation", SpecKeys.interpolation),
            ("evaluation", SpecKeys.evaluation), ("executor", SpecKeys.executor),
            ("layerEntry", SpecKeys.layerOperations + SpecKeys.layerOptions),
        ]
        for (name, keys) in sections { #expect(Self.keys(defs[name]) == Set(keys), "$defs.\(name)") }
        let recipe = defs["recipe"]?["properties"] as? [String: [String: Any]]
        let optimizer = recipe?["optimizer"]
        #expect(Self.keys(optimizer) == Set(SpecKeys.optimizer))
        #expect(Self.keys((optimizer?["properties"] as? [String: [String: Any]])?["sgd"]) == Set(SpecKeys.sgd))
        #expect(Self.keys((optimizer?["properties"] as? [String: [String: Any]])?["adamw"]) == Set(SpecKeys.adamw))
        #expect(Self.keys(recipe?["schedule"]) == Set(SpecKeys.schedule))
        #expect(Self.keys(recipe?["augment"]) == Set(SpecKeys.augment))
        #expect(recipe?["augment"]?["additionalProperties"] as? Bool == false, "recipe.augment must reject unknown keys")
        for (name, def) in defs where def["type"] as? String == "object" {
            #expect(def["additionalProperties"] as? Bool == false, "$defs.\(name) must reject unknown keys")
        }
    }
}
