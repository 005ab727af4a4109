"""Writes ONNX fixtures for the operator forms PyTorch's exporters do not emit for the zoo, built by hand
with onnx.helper, for lmc's import tests (Tests/InterpreterTests/ONNXImportTests.swift) to match.

Other exporters (and hand-edited graphs) write linear layers as MatMul with an [in, out] weight followed by
an Add of the bias, Gemm with transB=0, LayerNormalization, GroupNormalization (opset 21, per-channel
scale), InstanceNormalization with an affine, ReduceMean with keepdims, Dropout, Gelu (opset 20) and a
final LogSoftmax.
Two graphs cover them:

  ops-image  (opset 21) [N, 2, 8, 8]: Conv 4 → InstanceNormalization (affine) → Relu → AveragePool 2 →
             Conv 4 → GroupNormalization (2 groups) → Relu → ReduceMean (axes 2, 3, keepdims) → Flatten →
             Gemm (transB = 0) → LogSoftmax
  ops-flat   (opset 20) [N, 1, 4, 4]: Flatten → MatMul → Add → LayerNormalization → Relu → Dropout →
             MatMul (no bias) → Gelu → Gemm (transB = 1)

Weights and inputs come from a fixed numpy seed, norm affines far from 1 and 0 so a wrong mapping shows.
Each goes to Tests/InterpreterTests/Fixtures/onnx/<name>/ with the zoo's layout: model.onnx,
weights.safetensors (every initializer by name), inputs.safetensors (`inputs` F32 [4, H, W, C]) and
logits.safetensors (`logits` F32 [4, 10], computed by onnxruntime in float32: there is no PyTorch module
to evaluate in float64, and onnxruntime's float32 rounding is far below the tests' 1e-4; for ops-image,
the Gemm's output before the LogSoftmax, which lmc drops since its loss applies the softmax).

  ~/anchors-venv/bin/python scripts/onnx-operator-fixtures.py [OUT]

Needs numpy, onnx, onnxruntime, safetensors.
"""
import os, sys
import numpy as np, onnx, onnxruntime
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import save_file

rng = np.random.default_rng(5)


def tensor(name, *shape, around=0.0, scale=0.5):
    return numpy_helper.from_array((around + scale * rng.standard_normal(shape)).astype(np.float32), name)


def model(name, opset, input_shape, nodes, initializers):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", *input_shape])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])], initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="onnx-operator-fixtures")
    m.ir_version = 8 if opset < 21 else 10
    onnx.checker.check_model(m, full_check=True)
    return m


def ops_image():
    inits = [tensor("conv1.weight", 4, 2, 3, 3), tensor("conv1.bias", 4, scale=0.1),
             tensor("in.scale", 4, around=1.0, scale=0.3), tensor("in.bias", 4, scale=0.3),
             tensor("conv2.weight", 4, 4, 3, 3, scale=0.3), tensor("conv2.bias", 4, scale=0.1),
             tensor("gn.weight", 4, around=1.0, scale=0.3), tensor("gn.bias", 4, scale=0.3),
             numpy_helper.from_array(np.array([2, 3], dtype=np.int64), "axes"),
             tensor("head.B", 4, 10)]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("InstanceNormalization", ["c1", "in.scale", "in.bias"], ["n1"], name="in", epsilon=1e-5),
        helper.make_node("Relu", ["n1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("GroupNormalization", ["c2", "gn.weight", "gn.bias"], ["n2"], name="gn", num_groups=2,
                         epsilon=1e-5),
        helper.make_node("Relu", ["n2"], ["r2"], name="relu2"),
        helper.make_node("ReduceMean", ["r2", "axes"], ["m"], name="mean", keepdims=1),
        helper.make_node("Flatten", ["m"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "head.B"], ["z"], name="head", transB=0),
        helper.make_node("LogSoftmax", ["z"], ["logits"], name="logsoftmax", axis=1),
    ]
    return model("ops-image", 21, [2, 8, 8], nodes, inits)


def ops_flat():
    inits = [tensor("fc1.weight", 16, 12), tensor("fc1.bias", 12, scale=0.1),
             tensor("ln.weight", 12, around=1.0, scale=0.3), tensor("ln.bias", 12, scale=0.3),
             tensor("W2", 12, 8), tensor("head.weight", 10, 8), tensor("head.bias", 10, scale=0.1)]
    nodes = [
        helper.make_node("Flatten", ["input"], ["x"], name="flatten"),
        helper.make_node("MatMul", ["x", "fc1.weight"], ["xw"], name="fc1/MatMul"),
        helper.make_node("Add", ["xw", "fc1.bias"], ["h1"], name="fc1/Add"),
        helper.make_node("LayerNormalization", ["h1", "ln.weight", "ln.bias"], ["l1"], name="ln", axis=-1,
                         epsilon=1e-5),
        helper.make_node("Relu", ["l1"], ["r1"], name="relu1"),
        helper.make_node("Dropout", ["r1"], ["d1"], name="dropout"),
        helper.make_node("MatMul", ["d1", "W2"], ["h2"], name="fc2"),
        helper.make_node("Gelu", ["h2"], ["r2"], name="gelu"),
        helper.make_node("Gemm", ["r2", "head.weight", "head.bias"], ["logits"], name="head", transB=1),
    ]
    return model("ops-flat", 20, [1, 4, 4], nodes, inits)


def main(out):
    for m in [ops_image(), ops_flat()]:
        directory = os.path.join(out, m.graph.name)
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "model.onnx")
        onnx.save(m, path)
        shape = [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim[1:]]
        x = rng.standard_normal([4, *shape]).astype(np.float32)
        # lmc drops a final LogSoftmax (its loss applies the softmax): the reference is what comes before.
        last = m.graph.node[-1]
        probe = onnx.ModelProto()
        probe.CopyFrom(m)
        if last.op_type == "LogSoftmax":
            probe.graph.output.append(helper.make_tensor_value_info(last.input[0], TensorProto.FLOAT, ["batch", 10]))
        session = onnxruntime.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
        logits = session.run(None, {"input": x})[-1].astype(np.float32)
        save_file({t.name: numpy_helper.to_array(t).copy() for t in m.graph.initializer
                   if t.data_type == TensorProto.FLOAT}, os.path.join(directory, "weights.safetensors"))
        save_file({"inputs": np.ascontiguousarray(x.transpose(0, 2, 3, 1))}, os.path.join(directory, "inputs.safetensors"))
        save_file({"logits": np.ascontiguousarray(logits)}, os.path.join(directory, "logits.safetensors"))
        print(f"  {m.graph.name}: {len(m.graph.node)} nodes, logits {logits.shape}, "
              f"{sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "InterpreterTests", "Fixtures", "onnx"))
