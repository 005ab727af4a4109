"""Writes a corpus of malformed or unsupported ONNX files for lmc's ONNX importer tests.

Every file is a small variation of one valid model, `valid.onnx` (written too, and NOT in the manifest),
shaped like a TorchScript export (ir_version 8, opset 17, dynamic batch `batch`):

  input [batch, 1, 4, 4] → Conv 2×3×3 pad 1 (conv.weight, conv.bias) → BatchNormalization (bn.weight, bn.bias,
  bn.running_mean, bn.running_var) → Relu → MaxPool 2 → Flatten → Gemm transB=1 (fc.weight [3, 8], fc.bias) → logits [batch, 3]

Files come in two kinds: bytes that are not a well-formed ModelProto (empty, truncated, bad wire types,
bad varints, lengths past the end), built by hand from the valid file's fields; and well-formed models
(built with onnx.helper) with one thing wrong for lmc: a broken graph (cycle, dangling input, duplicate
output), an operator or attribute lmc does not support, bad tensor data, external data, an old opset, or
an input/output shape lmc cannot take. Tests/InterpreterTests/Fixtures/onnx-malformed/ gets the files and

  manifest.tsv   file <TAB> what is wrong <TAB> a short lowercase fragment the importer's error should
                 contain (compare case-insensitively)

The fragments assume that every failure to decode the protobuf is reported as "malformed ONNX file: <detail>",
with <detail> "truncated" for a length running past the end of its enclosing message or of the file, and
otherwise only "malformed" (swift-protobuf, which lmc decodes with, does not say which rule an invalid
wire type, field number or varint broke; a known field written with another wire type is skipped as an
unknown one, so graph-as-varint.onnx is a file with no graph); and that tensor sizes are checked (element count
overflow or "too large") before any data is read. The script prints, for each file, whether Python's
protobuf parser, onnx.checker (full_check) and onnxruntime accept it, for information: many unsupported
files are valid ONNX that onnxruntime runs.

  ~/anchors-venv/bin/python scripts/onnx-malformed-corpus.py [OUT]

OUT defaults to Tests/InterpreterTests/Fixtures/onnx-malformed beside this script. Needs onnx, onnxruntime,
numpy (and torch for one file: the start of a torch.save checkpoint). Runs in a few seconds.
"""
import io, os, shutil, sys, warnings
import numpy as np
import onnx, onnxruntime
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(7)
FLOAT = TensorProto.FLOAT


def weights():
    """The valid model's tensors, name → float32 array."""
    r = np.random.default_rng(1)
    return {
        "conv.weight": r.standard_normal((2, 1, 3, 3)).astype(np.float32),
        "conv.bias": r.standard_normal(2).astype(np.float32),
        "bn.weight": (0.5 + r.random(2)).astype(np.float32),
        "bn.bias": (r.random(2) - 0.5).astype(np.float32),
        "bn.running_mean": (r.random(2) - 0.5).astype(np.float32),
        "bn.running_var": (0.5 + r.random(2)).astype(np.float32),
        "fc.weight": r.standard_normal((3, 8)).astype(np.float32),
        "fc.bias": r.standard_normal(3).astype(np.float32),
    }


def conv(x="input", y="c", w="conv.weight", b="conv.bias", **attributes):
    a = dict(dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    a.update(attributes)
    return helper.make_node("Conv", [x, w, b], [y], name="/conv/Conv", **a)


def batchnorm(x="c", y="b", inputs=None, **attributes):
    a = dict(epsilon=1e-5, momentum=0.9, training_mode=0)
    a.update(attributes)
    inputs = inputs or [x, "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"]
    return helper.make_node("BatchNormalization", inputs, [y], name="/bn/BatchNormalization", **a)


def relu(x="b", y="r"):
    return helper.make_node("Relu", [x], [y], name=f"/Relu_{x}")


def maxpool(x="r", y="p", kernel=2, stride=2):
    return helper.make_node("MaxPool", [x], [y], name="/MaxPool", ceil_mode=0, dilations=[1, 1],
                            kernel_shape=[kernel, kernel], pads=[0, 0, 0, 0], strides=[stride, stride])


def flatten(x="p", y="f"):
    return helper.make_node("Flatten", [x], [y], name="/Flatten", axis=1)


def gemm(x="f", y="logits", **attributes):
    a = dict(alpha=1.0, beta=1.0, transB=1)
    a.update(attributes)
    return helper.make_node("Gemm", [x, "fc.weight", "fc.bias"], [y], name="/fc/Gemm", **a)


def nodes():
    return [conv(), batchnorm(), relu(), maxpool(), flatten(), gemm()]


def tensor(name, array, data_type=FLOAT):
    return numpy_helper.from_array(array.astype(helper.tensor_dtype_to_np_dtype(data_type)), name)


def value(name, shape, elem=FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def model(graph_nodes=None, inits=None, inputs=None, outputs=None, opset=17, ir=8, **edits):
    """The valid model, or a variation: `inits` maps a name to an array or TensorProto (None drops it)."""
    tensors = weights()
    tensors.update(edits.pop("weights", {}))
    initializers = []
    for name, a in {**tensors, **(inits or {})}.items():
        if a is None:
            continue
        initializers.append(a if isinstance(a, TensorProto) else tensor(name, a))
    graph = helper.make_graph(
        nodes() if graph_nodes is None else graph_nodes, "main_graph",
        [value("input", ["batch", 1, 4, 4])] if inputs is None else inputs,
        [value("logits", ["batch", 3])] if outputs is None else outputs,
        initializers)
    opsets = [helper.make_opsetid("", opset)] if opset is not None else []
    m = helper.make_model(graph, opset_imports=opsets, producer_name="pytorch", producer_version="2.15.0")
    m.ir_version = ir
    return m


# ---- hand-built protobuf bytes --------------------------------------------------------------------------

def varint(n):
    n &= (1 << 64) - 1  # negative numbers as two's complement, ten bytes, as protobuf encodes int64
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire, payload):
    """One field: tag, then the payload (already encoded for its wire type; length-delimited gets its length)."""
    tag = varint(number << 3 | wire)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


def top_level(m):
    """The valid model's top-level fields encoded by hand: (ir_version + producer fields, graph payload, opset_import) bytes."""
    head = field(1, 0, varint(m.ir_version)) + field(2, 2, m.producer_name.encode()) + field(3, 2, m.producer_version.encode())
    graph = m.graph.SerializeToString()
    opset = b"".join(field(8, 2, o.SerializeToString()) for o in m.opset_import)
    return head, graph, opset


def torch_checkpoint():
    try:
        import torch
    except ImportError:
        return b"PK\x03\x04" + bytes(RNG.integers(0, 256, 60, dtype=np.uint8))
    buffer = io.BytesIO()
    torch.save({"fc.weight": torch.zeros(2, 2)}, buffer)
    return buffer.getvalue()[:200]


def corpus(mlp_path):
    """name → (bytes, what is wrong, fragment)."""
    valid = model()
    data = valid.SerializeToString()
    head, graph, opset = top_level(valid)
    assert head + field(7, 2, graph) + opset == data, "the hand encoding must reproduce the valid file"
    out = {}

    def add(name, content, what, fragment):
        if isinstance(content, onnx.ModelProto):
            content = content.SerializeToString()
        assert name not in out
        out[name] = (content, what, fragment)

    # -- bytes that are not a ModelProto
    add("empty.onnx", b"", "an empty file (0 bytes)", "empty")
    random = bytes(RNG.integers(0, 256, 256, dtype=np.uint8))
    add("random-bytes.onnx", random, "256 random bytes (seeded)", "malformed")
    add("torch-checkpoint.onnx", torch_checkpoint(),
        "the first 200 bytes of a torch.save checkpoint (a zip, 'PK\\x03\\x04'), not an ONNX model", "malformed")
    safetensors = b'{"fc.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}'
    add("safetensors-file.onnx", len(safetensors).to_bytes(8, "little") + safetensors + bytes(16),
        "a safetensors file (8-byte little-endian header length, JSON header, data), not an ONNX model", "malformed")
    n = len(data)
    add("truncated-in-first-field.onnx", data[:1], f"the valid file cut after 1 of {n} bytes: ir_version's tag without its value", "truncated")
    start = len(head) + len(field(7, 2, graph)) - len(graph)  # where the graph's payload begins
    cut = start + 40
    add("truncated-in-graph.onnx", data[:cut], f"the valid file cut after {cut} of {n} bytes, inside the graph (its length says more)", "truncated")
    cut = start + len(graph) // 2
    add("truncated-mid-file.onnx", data[:cut], f"the valid file cut after {cut} of {n} bytes, halfway through the graph", "truncated")
    add("truncated-last-byte.onnx", data[:-1], f"the valid file less its last byte ({n - 1} of {n}), inside opset_import", "truncated")
    mlp = open(mlp_path, "rb").read()
    add("truncated-mlp-raw-data.onnx", mlp[:len(mlp) // 2],
        f"the mlp-ts fixture cut after {len(mlp) // 2} of {len(mlp)} bytes, inside an initializer's raw_data", "truncated")
    add("graph-length-past-end.onnx", head + varint(7 << 3 | 2) + varint(len(graph) + 100) + graph + opset,
        "the graph field's length is 100 bytes more than there are (the file ends first)", "truncated")
    add("length-2e63.onnx", head + varint(7 << 3 | 2) + varint(2**63 - 1) + graph,
        "the graph field's length is 2^63 - 1 (offset + length overflows a signed 64-bit sum)", "malformed")
    add("length-minus-one.onnx", head + varint(7 << 3 | 2) + varint(-1) + graph,
        "the graph field's length is the ten-byte varint of -1 (2^64 - 1; as Int64 it is negative)", "malformed")
    node0 = valid.graph.node[0].SerializeToString()
    rest = graph[len(field(1, 2, node0)):]
    assert graph.startswith(field(1, 2, node0))
    inner = varint(1 << 3 | 2) + varint(len(node0) + len(rest) + 3) + node0 + rest
    assert len(opset) > 3
    add("node-length-past-graph.onnx", head + field(7, 2, inner) + opset,
        "the first node's length runs 3 bytes past the end of its graph, into opset_import (not past the end of the file)", "truncated")
    add("wire-type-7.onnx", head + varint(7 << 3 | 7) + graph,
        "field 7 (graph) with wire type 7, which does not exist", "malformed")
    add("wire-type-group.onnx", head + varint(7 << 3 | 3) + field(7, 2, graph) + opset,
        "field 7 (graph) with wire type 3 (start group, deprecated and never used by ONNX)", "malformed")
    add("graph-as-varint.onnx", head + varint(7 << 3 | 0) + varint(5) + opset,
        "field 7 (graph, a message) written with wire type 0 (varint)", "no graph")
    add("varint-too-long.onnx", varint(1 << 3 | 0) + b"\xff" * 10 + b"\x01" + field(7, 2, graph) + opset,
        "ir_version's varint runs to 11 bytes (at most 10 are allowed)", "malformed")
    add("varint-unterminated.onnx", varint(1 << 3 | 0) + b"\x88\x80\x80",
        "the file ends inside ir_version's varint (every byte has its continuation bit set)", "malformed")
    add("negative-ir-version.onnx", varint(1 << 3 | 0) + varint(-1) + field(7, 2, graph) + opset,
        "ir_version is -1 (a valid ten-byte varint encoding)", "ir_version")
    add("field-number-zero.onnx", varint(0 << 3 | 0) + varint(1) + head + field(7, 2, graph) + opset,
        "a field with number 0 (tag byte 0x00), which protobuf forbids", "malformed")

    # -- model-level
    add("no-graph.onnx", head + opset, "a ModelProto with ir_version and opset_import but no graph", "no graph")
    g = nodes()  # the attributes opset 9 knows: no training_mode (opset 14), no MaxPool dilations or ceil_mode (opset 10)
    g[1] = helper.make_node("BatchNormalization", list(g[1].input), ["b"], epsilon=1e-5, momentum=0.9)
    g[3] = helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2])
    add("opset-9.onnx", model(g, opset=9), "the default-domain opset is 9, an otherwise valid opset-9 model (lmc reads opset 13 and later)", "opset")
    add("no-opset-import.onnx", model(opset=None), "no opset_import at all", "opset")
    m = model()
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    m.graph.node[2].CopyFrom(helper.make_node("FusedRelu", ["b"], ["r"], domain="com.microsoft"))
    add("custom-domain-op.onnx", m, "a Relu replaced by com.microsoft FusedRelu, an operator outside the default domain", "not supported")
    g = nodes()
    g[2] = helper.make_node("Gelu", ["b"], ["r"], name="/act/Gelu", approximate="tanh")
    add("gelu-tanh.onnx", model(g, opset=20),
        "a Relu replaced by Gelu with approximate=\"tanh\" (opset 20); lmc's gelu is the exact form", "approximate")

    # -- graph structure
    g = nodes()
    g[2] = relu("p", "r")  # Relu reads MaxPool's output, MaxPool reads Relu's: r → p → r
    add("cycle.onnx", model(g), "Relu reads MaxPool's output and MaxPool reads Relu's (r → p → r)", "cycle")
    g = nodes()
    g[2] = relu("missing", "r")
    add("dangling-input.onnx", model(g), "Relu reads `missing`: no node, initializer or graph input produces it", "produces")
    g = nodes()
    g.insert(1, relu("c", "unused"))  # first among the Conv's readers, so it is imported before the live path
    add("dead-branch.onnx", model(g),
        "a second Relu reads the Conv and nothing reads it: a layer that does not feed the logits (found by fuzz-onnx)",
        "nothing reads")
    g = nodes()
    g.insert(3, relu("c", "r"))
    add("duplicate-output.onnx", model(g), "two Relu nodes both write `r`", "duplicate")
    add("duplicate-initializer.onnx", _duplicate_initializer(), "two initializers named fc.bias (different values)", "duplicate")
    add("output-not-produced.onnx", model(outputs=[value("ghost", ["batch", 3])]),
        "the graph output `ghost` is produced by no node (the Gemm still writes `logits`)", "produces")
    add("no-inputs.onnx", model([helper.make_node("Constant", [], ["input"], value=tensor("x", RNG.standard_normal((1, 1, 4, 4))))] + nodes(),
                                inputs=[], outputs=[value("logits", [1, 3])]),
        "no graph input: a Constant node makes the image", "no input")
    g = nodes()
    g[-1] = gemm(y="g")
    g.append(helper.make_node("Add", ["g", "input2"], ["logits"]))
    add("two-inputs.onnx", model(g, inputs=[value("input", ["batch", 1, 4, 4]), value("input2", ["batch", 3])]),
        "two graph inputs that are not initializers (`input2` is added to the logits)", "one input")
    g = [helper.make_node("Gemm", ["input", "fc.weight", "fc.bias"], ["logits"], alpha=1.0, beta=1.0, transB=1)]
    add("input-rank-2.onnx", model(g, inputs=[value("input", ["batch", 8])]),
        "the input is [batch, 8], rank 2 (an MLP on flattened data; lmc takes [N, C, H, W])", "rank")
    add("input-rank-5.onnx", model(inputs=[value("input", ["batch", 1, 1, 4, 4])]),
        "the input is [batch, 1, 1, 4, 4], rank 5", "rank")
    add("input-dynamic-height.onnx", model(inputs=[value("input", ["batch", 1, "height", 4])]),
        "the input's height is a dim_param (`height`): only the batch dimension may be dynamic", "dynamic")
    add("input-double.onnx", model(inputs=[value("input", ["batch", 1, 4, 4], TensorProto.DOUBLE)]),
        "the input's elem_type is DOUBLE, not FLOAT", "double")
    add("output-rank-4.onnx", model(nodes()[:4], outputs=[value("p", ["batch", 2, 2, 2])]),
        "the graph ends at MaxPool: its output `p` is [batch, 2, 2, 2], not 2-d [N, classes]", "2-d")

    # -- operators lmc does not support
    g = nodes()
    g[2] = helper.make_node("Sigmoid", ["b"], ["r"])
    add("sigmoid.onnx", model(g), "Sigmoid where the Relu was", "not supported")
    g = nodes()
    g[2] = helper.make_node("Softmax", ["b"], ["r"], axis=1)
    add("softmax-in-middle.onnx", model(g), "Softmax (axis 1) where the Relu was, in the middle of the network", "not supported")
    g = nodes()
    g.insert(3, helper.make_node("Concat", ["r", "r"], ["r2"], axis=1))
    g[4] = maxpool("r2", "p")
    add("concat.onnx", model(g, weights={"fc.weight": RNG.standard_normal((3, 16)).astype(np.float32)}),
        "Concat of the Relu's output with itself on channels (fc.weight widened to [3, 16])", "not supported")
    g = nodes()
    g.insert(3, helper.make_node("Transpose", ["r"], ["rt"], perm=[0, 1, 3, 2]))
    g[4] = maxpool("rt", "p")
    add("transpose.onnx", model(g), "Transpose (perm 0, 1, 3, 2) between Relu and MaxPool", "not supported")

    # -- attributes lmc does not support
    g = nodes()
    g[0] = conv(group=2)
    add("conv-group-2.onnx", model(g, inputs=[value("input", ["batch", 2, 4, 4])]),
        "Conv with group=2 (input of 2 channels, conv.weight [2, 1, 3, 3]: depthwise)", "group")
    g = nodes()
    g[0] = conv(dilations=[2, 2], pads=[2, 2, 2, 2])
    add("conv-dilations-2.onnx", model(g), "Conv with dilations [2, 2] (pads 2, so the shapes still hold)", "dilations")
    g = nodes()
    g[0] = conv(pads=[0, 0, 1, 1])
    add("conv-asymmetric-pads.onnx", model(g, weights={"fc.weight": RNG.standard_normal((3, 2)).astype(np.float32)}),
        "Conv with pads [0, 0, 1, 1] (top/left 0, bottom/right 1: 3×3 out; fc.weight [3, 2])", "pads")
    g = nodes()
    g[3] = maxpool(kernel=3, stride=2)
    add("maxpool-kernel-3-stride-2.onnx", model(g, weights={"fc.weight": RNG.standard_normal((3, 2)).astype(np.float32)}),
        "MaxPool with kernel 3, stride 2 (overlapping windows; fc.weight [3, 2])", "kernel")
    g = nodes()
    g[-1] = gemm(transA=1)
    add("gemm-trans-a.onnx", model(g), "Gemm with transA=1", "transa")
    g = nodes()
    g[-1] = gemm(alpha=0.5)
    add("gemm-alpha.onnx", model(g), "Gemm with alpha=0.5", "alpha")
    g = nodes()
    g[1] = batchnorm(training_mode=1)
    g[1].output.extend(["bn.running_mean_out", "bn.running_var_out"])  # as a training-mode TorchScript export writes it
    add("batchnorm-training-mode.onnx", model(g),
        "BatchNormalization with training_mode=1 (batch statistics) and its two running-statistics outputs", "training_mode")
    g = nodes()
    g[1] = batchnorm(inputs=["c", "bn.weight", "bn.bias", "bn.running_var"])
    add("batchnorm-missing-mean.onnx", model(g, inits={"bn.running_mean": None}),
        "BatchNormalization with 4 inputs: its running mean is missing", "batchnormalization")
    g = nodes()
    g[4] = helper.make_node("Reshape", ["p", "shape"], ["f"], allowzero=0)
    add("reshape-not-flatten.onnx", model(g, inits={"shape": tensor("shape", np.array([-1, 4]), TensorProto.INT64)},
                                          weights={"fc.weight": RNG.standard_normal((3, 4)).astype(np.float32)}),
        "Reshape of [N, 2, 2, 2] to shape [-1, 4] ([2N, 4]: it splits every example in two rather than flattening it; fc.weight [3, 4])", "reshape")

    # -- tensor data
    w = weights()["fc.weight"]
    t = tensor("fc.weight", w)
    t.raw_data = t.raw_data[:-4]
    add("raw-data-short.onnx", model(inits={"fc.weight": t}), "fc.weight is [3, 8] FLOAT (96 bytes) but raw_data has 92 bytes", "byte length")
    t = TensorProto(name="fc.weight", data_type=FLOAT, dims=[3, 8], float_data=w.flatten()[:23].tolist())
    add("float-data-count.onnx", model(inits={"fc.weight": t}), "fc.weight is [3, 8] but float_data holds 23 values", "float_data")
    t = TensorProto(name="fc.weight", data_type=FLOAT, dims=[3, 8])
    add("no-data.onnx", model(inits={"fc.weight": t}), "fc.weight is [3, 8] FLOAT with neither raw_data nor float_data", "no data")
    t = tensor("fc.weight", w)
    t.dims[:] = [-3, 8]
    add("negative-dims.onnx", model(inits={"fc.weight": t}), "fc.weight has dims [-3, 8] (raw_data 96 bytes)", "negative")
    t = tensor("fc.weight", w)
    t.dims[:] = [1000000, 1000000]
    add("absurd-dims.onnx", model(inits={"fc.weight": t}), "fc.weight has dims [1000000, 1000000]: 1e12 elements, 4 TB (raw_data 96 bytes)", "too large")
    t = tensor("fc.weight", w)
    t.dims[:] = [2**32, 2**32, 4]
    add("overflowing-dims.onnx", model(inits={"fc.weight": t}), "fc.weight has dims [2^32, 2^32, 4]: the element count overflows Int64", "too large")
    t = TensorProto(name="fc.weight", data_type=FLOAT, dims=[3, 8], data_location=TensorProto.EXTERNAL)
    for k, v in (("location", "model.onnx.data"), ("offset", "0"), ("length", "96")):
        t.external_data.add(key=k, value=v)
    add("external-data.onnx", model(inits={"fc.weight": t}),
        "fc.weight has data_location EXTERNAL (location model.onnx.data, which is not there)", "external data")
    add("int64-weight.onnx", model(inits={"fc.weight": tensor("fc.weight", np.round(w * 10), TensorProto.INT64)}),
        "fc.weight is an INT64 initializer", "int64")
    add("float16-weight.onnx", model(inits={"fc.weight": tensor("fc.weight", w, TensorProto.FLOAT16)}),
        "fc.weight is a FLOAT16 initializer", "float16")
    add("conv-channel-mismatch.onnx", model(weights={"conv.weight": RNG.standard_normal((2, 3, 3, 3)).astype(np.float32)}),
        "conv.weight is [2, 3, 3, 3] but the input has 1 channel", "channel")
    add("gemm-shape-mismatch.onnx", model(weights={"fc.weight": RNG.standard_normal((3, 9)).astype(np.float32)}),
        "fc.weight is [3, 9] but the flatten gives 8 features", "shape")
    return valid, out


def _duplicate_initializer():
    m = model()
    extra = tensor("fc.bias", np.array([1.0, 2.0, 3.0], np.float32))
    m.graph.initializer.append(extra)
    return m


def verdicts(content, path):
    """What Python's protobuf, onnx.checker and onnxruntime make of a file (for information)."""
    m = onnx.ModelProto()
    try:
        m.ParseFromString(content)
        parse = "parses"
    except Exception:
        return "protobuf: rejects"
    try:
        onnx.checker.check_model(m, full_check=True)
        check = "checker: ok"
    except Exception:
        check = "checker: rejects"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 4
            onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        ort = "onnxruntime: loads"
    except Exception:
        ort = "onnxruntime: rejects"
    return f"protobuf: {parse}, {check}, {ort}"


def main(out, mlp_path):
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    valid, files = corpus(mlp_path)
    path = os.path.join(out, "valid.onnx")
    onnx.save(valid, path)
    onnx.checker.check_model(valid, full_check=True)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    y = session.run(None, {"input": RNG.standard_normal((2, 1, 4, 4)).astype(np.float32)})[0]
    assert y.shape == (2, 3)
    print(f"valid.onnx: {os.path.getsize(path)} bytes, checker ok, onnxruntime runs it")
    rows = []
    for name, (content, what, fragment) in files.items():
        assert fragment == fragment.lower() and "\t" not in what and "\n" not in what
        path = os.path.join(out, name)
        with open(path, "wb") as f:
            f.write(content)
        rows.append(f"{name}\t{what}\t{fragment}\n")
        print(f"{name}: {len(content)} bytes, expects '{fragment}'; {verdicts(content, path)}")
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("file\twhat is wrong\tfragment\n")
        f.writelines(rows)
    total = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    print(f"{len(files)} malformed files, {total} bytes in {out}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = os.path.join(here, "..", "Tests", "InterpreterTests", "Fixtures")
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(fixtures, "onnx-malformed"),
         os.path.join(fixtures, "onnx", "mlp-ts", "model.onnx"))
