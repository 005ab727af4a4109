import Foundation
import SwiftProtobuf

/// Why an ONNX file cannot be imported: the file, the node where one is at fault, and what is wrong.
package struct ONNXError: Error, Sendable, Hashable, CustomStringConvertible {
    package var file: String
    /// `'name' (OpType)` of the node at fault, nil for the file as a whole.
    package var node: String?
    package var message: String

    package init(file: String, node: String? = nil, _ message: String) {
        self.file = file
        self.node = node
        self.message = message
    }

    package var description: String { file + ": " + (node.map { "node \($0): " } ?? "") + message }
}

/// An ONNX model's main graph, checked and in dependency order.
///
/// This is what the importer maps onto a layer program. Only what lmc reads is kept (nodes, their attributes, float and integer initializers, the
/// one image input); everything a file could get wrong is rejected here, before any of it is used.
struct ONNXGraph {
    /// A node attribute lmc may read; other kinds are kept by name only so a check can reject them.
    enum Attribute: Equatable {
        case int(Int)
        case ints([Int])
        case float(Float)
        case string(String)
        case tensor(Initializer)
        case unsupported(String)
    }

    /// A constant tensor: an initializer or a Constant node's value.
    struct Initializer: Equatable {
        var dims: [Int]
        /// Elements of a floating-point tensor (FLOAT, or DOUBLE rounded to Float).
        var floats: [Float]?
        /// Elements of an integer tensor (INT64, INT32).
        var integers: [Int]?
        var count: Int { dims.reduce(1, *) }
    }

    struct Node {
        var name: String
        var opType: String
        /// Input names; "" for an omitted optional input.
        var inputs: [String]
        var outputs: [String]
        var attributes: [String: Attribute]
        /// `'name' (OpType)`, as errors name a node.
        var label: String { "'\(name)' (\(opType))" }
    }

    var file: String
    /// The default domain's opset version.
    var opset: Int
    /// The graph's one input that is not an initializer, and its dimensions (nil: symbolic, the batch).
    var input: (name: String, dims: [Int?])
    /// The graph's one output.
    var output: String
    /// Nodes in an order where every node follows the nodes it reads.
    var nodes: [Node]
    var initializers: [String: Initializer]

    /// The oldest default-domain opset lmc reads: the operators it maps have had their present form since.
    static let minimumOpset = 13
    /// Elements of one tensor; far beyond any network lmc trains on a CPU, small enough to allocate.
    static let maxElements = 1 << 28

    /// Decodes and checks an ONNX file's bytes.
    ///
    /// - Throws: `ONNXError` for bytes that are not an ONNX model (truncated or malformed protobuf), a
    ///   graph that is not a DAG from one input to one output, tensors whose data do not match their
    ///   shape, and weights stored outside the file.
    init(bytes: [UInt8], file: String) throws(ONNXError) {
        self.file = file
        func fail(_ message: String) -> ONNXError { ONNXError(file: file, message) }
        guard !bytes.isEmpty else { throw fail("the file is empty; an ONNX file is a protobuf ModelProto") }
        let model: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            model = try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch BinaryDecodingError.truncated {
            throw fail("malformed ONNX file: truncated (a field runs past the end of the file)")
        } catch {
            throw fail("malformed ONNX file: not a protobuf ModelProto (\(error))")
        }
        guard model.irVersion >= 3 else {
            throw fail("ir_version \(model.irVersion) is not an ONNX IR version lmc reads (3 or later)")
        }
        guard model.hasGraph else { throw fail("the file holds no graph (is it an ONNX model?)") }
        let opsets = model.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opset = opsets.map({ Int($0.version) }).max() else {
            throw fail("the model imports no version of the default operator set")
        }
        guard opset >= Self.minimumOpset else {
            throw fail("opset \(opset) is older than \(Self.minimumOpset), the oldest lmc reads: export with opset_version=17")
        }
        self.opset = opset
        let graph = model.graph

        var initializers: [String: Initializer] = [:]
        for tensor in graph.initializer {
            guard !tensor.name.isEmpty else { throw fail("an initializer has no name") }
            guard initializers[tensor.name] == nil else { throw fail("two initializers are named '\(tensor.name)'") }
            initializers[tensor.name] = try Self.initializer(tensor, file: file, what: "initializer '\(tensor.name)'")
        }
        guard graph.sparseInitializer.isEmpty else { throw fail("sparse initializers are not supported") }

        let inputs = graph.input.filter { initializers[$0.name] == nil }
        guard !inputs.isEmpty else { throw fail("the graph has no input besides its initializers; lmc feeds it images") }
        guard inputs.count == 1, let input = inputs.first else {
            throw fail(
                "the graph has \(inputs.count) inputs besides its initializers (\(inputs.map(\.name).joined(separator: ", "))); "
                    + "lmc reads graphs of one input, the images")
        }
        let tensorType = input.type.tensorType
        guard input.type.value.map({ if case .tensorType = $0 { true } else { false } }) == true, tensorType.hasShape else {
            throw fail("the graph's input '\(input.name)' is not a tensor of known rank")
        }
        guard tensorType.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            let type = Onnx_TensorProto.DataType(rawValue: Int(tensorType.elemType)).map { "\($0)" } ?? "\(tensorType.elemType)"
            throw fail("the graph's input '\(input.name)' holds \(type) values; lmc feeds float images")
        }
        let dims = tensorType.shape.dim.map { dim -> Int? in
            if case .dimValue(let value) = dim.value { return Int(value) }
            return nil
        }
        guard dims.allSatisfy({ ($0 ?? 1) >= 1 && ($0 ?? 1) <= Self.maxElements }) else {
            throw fail("the graph's input '\(input.name)' has a dimension out of range: \(Self.describe(dims))")
        }
        self.input = (input.name, dims)
        guard graph.output.count == 1, let output = graph.output.first else {
            throw fail("the graph has \(graph.output.count) outputs; lmc reads graphs with one, the logits")
        }
        self.output = output.name

        var nodes: [Node] = []
        for (index, node) in graph.node.enumerated() {
            let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
            let label = "'\(name)' (\(node.opType))"
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw ONNXError(file: file, node: label, "operators of domain '\(node.domain)' are not supported")
            }
            var attributes: [String: Attribute] = [:]
            for attribute in node.attribute {
                attributes[attribute.name] = try Self.attribute(attribute, file: file, node: label)
            }
            nodes.append(
                Node(name: name, opType: node.opType, inputs: node.input, outputs: node.output, attributes: attributes))
        }
        self.nodes = try Self.sorted(nodes, available: Set(initializers.keys).union([input.name]), file: file)
        guard self.nodes.contains(where: { $0.outputs.contains(output.name) }) else {
            throw fail("no node produces the graph's output '\(output.name)'")
        }
        self.initializers = initializers
    }

    /// Every named tensor the file stores: the initializers, and the names Identity nodes give them
    /// (the TorchScript exporter keeps one of several equal initializers and aliases the others).
    var tensors: [String: Initializer] {
        var tensors = initializers
        for node in nodes where node.opType == "Identity" {
            if let input = node.inputs.first, let output = node.outputs.first, let t = initializers[input] {
                tensors[output] = t
            }
        }
        return tensors
    }

    /// `[N, 1, 28, 28]`, a symbolic dimension as N.
    static func describe(_ dims: [Int?]) -> String { "[" + dims.map { $0.map(String.init) ?? "N" }.joined(separator: ", ") + "]" }

    /// The nodes in dependency order.
    ///
    /// - Throws: for an input nothing produces, an output two nodes write, and a cycle.
    private static func sorted(_ nodes: [Node], available: Set<String>, file: String) throws(ONNXError) -> [Node] {
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                guard producer[output] == nil, !available.contains(output) else {
                    throw ONNXError(file: file, node: node.label, "writes '\(output)', which something else already defines")
                }
                producer[output] = i
            }
        }
        var waiting = [Int](repeating: 0, count: nodes.count)
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for input in node.inputs where !input.isEmpty && !available.contains(input) {
                guard let j = producer[input] else {
                    throw ONNXError(
                        file: file, node: node.label, "reads '\(input)', which no node, initializer or input produces")
                }
                waiting[i] += 1
                readers[j].append(i)
            }
        }
        // Kahn's algorithm, taking ready nodes in file order so the order is the exporter's where it can be.
        var ready = nodes.indices.filter { waiting[$0] == 0 }.reversed() as [Int]
        var order: [Node] = []
        while let i = ready.popLast() {
            order.append(nodes[i])
            for j in readers[i].reversed() {
                waiting[j] -= 1
                if waiting[j] == 0 { ready.append(j) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = nodes.indices.first { waiting[$0] > 0 }.map { nodes[$0].label } ?? "?"
            throw ONNXError(file: file, node: stuck, "is part of a cycle: the graph must be acyclic")
        }
        return order
    }

    private static func attribute(_ a: Onnx_AttributeProto, file: String, node: String) throws(ONNXError) -> Attribute {
        switch a.type {
        case .int:
            guard let value = Int(exactly: a.i) else { throw ONNXError(file: file, node: node, "attribute \(a.name) overflows") }
            return .int(value)
        case .ints: return .ints(a.ints.map { Int($0) })
        case .float: return .float(a.f)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: return .tensor(try initializer(a.t, file: file, what: "node \(node): attribute \(a.name)"))
        default: return .unsupported("\(a.type)")
        }
    }

    /// A tensor's elements, checked against its dimensions.
    private static func initializer(_ t: Onnx_TensorProto, file: String, what: String) throws(ONNXError) -> Initializer {
        func fail(_ message: String) -> ONNXError { ONNXError(file: file, what + ": " + message) }
        if t.dataLocation == .external || !t.externalData.isEmpty {
            throw fail(
                "it uses external data (stored in another file), which lmc does not read: export with the "
                    + "weights in the .onnx file (torch.onnx.export(..., external_data=False))")
        }
        var count = 1
        for dim in t.dims {
            guard dim >= 0 else { throw fail("negative dimension \(dim)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
            guard !overflow, product <= maxElements else {
                throw fail("too large: its dimensions \(t.dims) make more than \(maxElements) elements")
            }
            count = product
        }
        let dims = t.dims.map { Int($0) }
        let shape = "[" + dims.map(String.init).joined(separator: ", ") + "]"
        func checked<T>(_ values: [T], _ field: String) throws(ONNXError) -> [T] {
            guard !values.isEmpty || count == 0 else { throw fail("it has no data (neither raw_data nor \(field))") }
            guard values.count == count else {
                throw fail("\(field) holds \(values.count) values; its shape \(shape) needs \(count)")
            }
            return values
        }
        func raw(_ size: Int) throws(ONNXError) -> [UInt8]? {
            guard t.hasRawData else { return nil }
            guard t.rawData.count == count * size else {
                throw fail(
                    "its raw_data's byte length is \(t.rawData.count); its shape \(shape) of \(size)-byte elements "
                        + "needs \(count * size)")
            }
            return [UInt8](t.rawData)
        }
        switch Onnx_TensorProto.DataType(rawValue: Int(t.dataType)) {
        case .float:
            if let bytes = try raw(4) {
                return Initializer(dims: dims, floats: (0..<count).map { Float(bitPattern: littleEndian(bytes, $0, 4)) })
            }
            return Initializer(dims: dims, floats: try checked(t.floatData, "float_data"))
        case .double:
            if let bytes = try raw(8) {
                return Initializer(
                    dims: dims, floats: (0..<count).map { Float(Double(bitPattern: littleEndian(bytes, $0, 8))) })
            }
            return Initializer(dims: dims, floats: try checked(t.doubleData, "double_data").map { Float($0) })
        case .int64:
            if let bytes = try raw(8) {
                return Initializer(dims: dims, integers: (0..<count).map { Int(Int64(bitPattern: littleEndian(bytes, $0, 8))) })
            }
            return Initializer(dims: dims, integers: try checked(t.int64Data, "int64_data").map { Int($0) })
        case .int32:
            if let bytes = try raw(4) {
                return Initializer(
                    dims: dims, integers: (0..<count).map { Int(Int32(bitPattern: UInt32(littleEndian(bytes, $0, 4)))) })
            }
            return Initializer(dims: dims, integers: try checked(t.int32Data, "int32_data").map { Int($0) })
        default:
            let name = Onnx_TensorProto.DataType(rawValue: Int(t.dataType)).map { "\($0)" } ?? "code \(t.dataType)"
            throw fail("its element type \(name) is not supported (float, double, int64 and int32 are)")
        }
    }

    /// Element `i` of `size` bytes, little-endian, as the low bits of a UInt64.
    private static func littleEndian(_ bytes: [UInt8], _ i: Int, _ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for b in (0..<size).reversed() { value = value << 8 | UInt64(bytes[i * size + b]) }
        return value
    }
}

extension UInt32 {
    fileprivate init(_ value: UInt64) { self.init(truncatingIfNeeded: value) }
}

extension Float {
    fileprivate init(bitPattern value: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: value)) }
}
