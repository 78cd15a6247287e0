#!/usr/bin/python3
"""Write torch_sequential.safetensors: the state_dict of a PyTorch
nn.Sequential of six Linear layers with ReLU between them (names 0.weight,
0.bias, 2.weight, ..., 10.bias), in the safetensors layout as the reference
writer lays it out (tensors in name order, header padded with spaces to a
multiple of 8, metadata {"format": "pt"}), plus torch_probe.txt: inputs and
the model's outputs, which tests/test_model.c compares with nnet after
nnet_load_weights. The names "10.weight" and "2.weight" test natural order.

    /usr/bin/python3 tests/data/model/make_torch.py     (from the repository root)
"""
import json, os, struct
import numpy as np
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261122)
sizes = [4, 5, 6, 5, 6, 5, 3]
layers = []
for i in range(6):
    layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    if i < 5:
        layers.append(nn.ReLU())
model = nn.Sequential(*layers).eval()
state = {k: v.detach().numpy().astype("<f4") for k, v in model.state_dict().items()}

header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name in sorted(state):
    raw = state[name].tobytes()
    header[name] = {"dtype": "F32", "shape": list(state[name].shape), "data_offsets": [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open(os.path.join(here, "torch_sequential.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))

x = torch.from_numpy(np.random.default_rng(5).normal(size=(6, 4)).astype(np.float32))
with torch.no_grad():
    y = model(x).numpy()
with open(os.path.join(here, "torch_probe.txt"), "w") as f:
    f.write("# 6 rows: 4 inputs, then the 3 outputs of torch_sequential.safetensors (PyTorch), %.9g\n")
    for xi, yi in zip(x.numpy(), y):
        f.write(" ".join("%.9g" % v for v in list(xi) + list(yi)) + "\n")
print("wrote torch_sequential.safetensors (%d bytes) and torch_probe.txt" % (8 + len(text) + offset))
