#!/usr/bin/python3
"""Read an nnet model file with json + numpy only, load it into a PyTorch
nn.Sequential and check that PyTorch's outputs match nnet's.

    /usr/bin/python3 tests/data/model/check_python.py
        [tests/data/model/tiny.safetensors] [tests/data/model/tiny_probe.txt]

tiny_probe.txt (written by examples/export_model.c) holds inputs and the
outputs nnet_predict gave for them. Exits nonzero if any output differs by
more than 1e-5. The reader is the snippet of docs/model-format.md."""
import json, struct, sys, zlib
import numpy as np


def read_safetensors(path):
    """Return (tensors: name -> float32 array, metadata: dict of str)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])            # header length, u64 little-endian
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", info["dtype"]
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
    if "crc32" in metadata:                         # nnet's files: CRC-32 of the data section
        assert zlib.crc32(data) == int(metadata["crc32"], 16), "CRC mismatch"
    return tensors, metadata


def to_torch(tensors, metadata):
    """An nn.Sequential equal to the nnet network the metadata describes."""
    import torch
    from torch import nn
    slope = float(metadata["leaky_slope"])
    acts = {"identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(slope), "softmax": lambda: nn.Softmax(dim=1)}
    modules = []
    for l, act in enumerate(metadata["activations"].split(",")):
        w, b = tensors["layers.%d.weight" % l], tensors["layers.%d.bias" % l]
        linear = nn.Linear(w.shape[1], w.shape[0])     # weight is (out, in), as nn.Linear's
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        modules += [linear, acts[act]()]               # dropout is identity at inference
    return nn.Sequential(*modules).eval()


def main():
    import torch
    model_path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/model/tiny.safetensors"
    probe_path = sys.argv[2] if len(sys.argv) > 2 else "tests/data/model/tiny_probe.txt"
    tensors, metadata = read_safetensors(model_path)
    print("metadata:", metadata)
    for name, t in tensors.items():
        print("  %-16s %s" % (name, list(t.shape)))
    n_in = int(metadata["n_inputs"])
    probe = np.loadtxt(probe_path, dtype=np.float64, comments="#").astype(np.float32)
    x, expected = probe[:, :n_in], probe[:, n_in:]
    with torch.no_grad():
        got = to_torch(tensors, metadata)(torch.from_numpy(x)).numpy()
    worst = float(np.abs(got - expected).max())
    print("max |torch - nnet| over %d rows x %d outputs: %.3g" % (got.shape[0], got.shape[1], worst))
    if worst > 1e-5:
        print("FAIL: more than 1e-5")
        return 1
    print("ok: PyTorch matches nnet within 1e-5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
