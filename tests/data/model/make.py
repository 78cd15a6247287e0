#!/usr/bin/python3
"""Write the malformed model files bad_*.safetensors that tests/test_model.c
feeds to nnet_load, each broken in exactly one way (the comment says how and
the word the error message must contain). They are made from tiny.safetensors,
which examples/export_model.c writes.

    /usr/bin/python3 tests/data/model/make.py        (from anywhere)
"""
import json, os, struct, zlib
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
base = open(os.path.join(here, "tiny.safetensors"), "rb").read()
(n,) = struct.unpack("<Q", base[:8])
text = base[8:8 + n]                       # header bytes, with padding
data = base[8 + n:]
header = json.loads(text)                  # dicts keep the file's key order


def pack(header_bytes, data_bytes, pad=True):
    if pad:
        header_bytes += b" " * (-len(header_bytes) % 8)
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data_bytes


def dumps(h):
    return json.dumps(h, separators=(",", ":")).encode()


def with_crc(h, data_bytes):
    h = json.loads(json.dumps(h))
    h["__metadata__"]["crc32"] = "%08x" % zlib.crc32(data_bytes)
    return h


def tensors_of(h, data_bytes):
    return {k: np.frombuffer(data_bytes[v["data_offsets"][0]:v["data_offsets"][1]], "<f4").reshape(v["shape"]).copy()
            for k, v in h.items() if k != "__metadata__"}


def rebuild(metadata, tensors):
    """A consistent file (offsets in order, CRC right) from arrays."""
    h, chunks, offset = {"__metadata__": dict(metadata)}, [], 0
    for name, a in tensors.items():
        raw = a.astype("<f4").tobytes()
        h[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    d = b"".join(chunks)
    return pack(dumps(with_crc(h, d)), d)


def edited(edit):
    """The base file with the header dict changed by edit(h) (CRC kept)."""
    h = json.loads(text)
    edit(h)
    return pack(dumps(h), data)


def meta(key, value):
    def edit(h):
        h["__metadata__"][key] = value
    return edited(edit)


cases = {}
# Truncated in each section.
cases["trunc_length"] = base[:5]                                  # "too short"
cases["trunc_header"] = base[:8 + n // 2]                         # "past the end"
cases["trunc_data"] = base[:-10]                                  # "truncated"
# The 8-byte header length.
cases["len_overflow"] = struct.pack("<Q", 2**64 - 1) + base[8:]   # "limit"
cases["len_huge"] = struct.pack("<Q", 200 << 20) + base[8:]       # "limit"
cases["len_past_end"] = struct.pack("<Q", len(base)) + base[8:]   # "past the end"
# The JSON.
cases["not_brace"] = base[:8] + b" " + base[9:]                   # "start with '{'"
cases["broken_json"] = pack(text.rstrip()[:-1], data)             # "broken JSON" (no closing brace)
cases["trailing"] = pack(text.rstrip() + b" x", data)             # "after the closing"
cases["deep_nesting"] = pack(b'{"layers.0.weight":{"x":' + b"[" * 100000 + b"}}", b"")  # "nested deeper"
cases["not_utf8"] = pack(text.replace(b'"format":"nnet"', b'"format":"nn\xffet"'), data)   # "UTF-8"
first = json.dumps({"layers.0.weight": header["layers.0.weight"]}, separators=(",", ":"))[1:-1].encode()
cases["duplicate_tensor"] = pack(text.rstrip()[:-1] + b"," + first + b"}", data)          # "duplicate"
cases["duplicate_dtype"] = pack(text.replace(b'{"dtype":"F32"', b'{"dtype":"F32","dtype":"F32"', 1), data)  # "duplicate"
cases["duplicate_metadata"] = pack(text.replace(b'"loss":"ce"', b'"loss":"ce","loss":"ce"'), data)  # "duplicate"
# Tensors.
cases["dtype_f16"] = edited(lambda h: h["layers.1.bias"].update(dtype="F16"))            # "only F32"
cases["shape_bytes"] = edited(lambda h: h["layers.0.weight"].update(shape=[8, 5]))       # "by its shape"
cases["shape_overflow"] = edited(lambda h: h["layers.0.weight"].update(shape=[2**32, 2**32, 4]))  # "overflows"
def shift(h):
    for k, v in h.items():
        if k != "__metadata__":
            v["data_offsets"] = [v["data_offsets"][0] + 4, v["data_offsets"][1] + 4]
h_shifted = json.loads(text)
shift(h_shifted)
cases["offsets_not_zero"] = pack(dumps(h_shifted), b"\0" * 4 + data)          # "start at 0"
cases["offsets_overlap"] = edited(lambda h: h["layers.0.bias"].update(data_offsets=[124, 156]))  # "overlap"
cases["offsets_gap"] = edited(lambda h: h["layers.0.bias"].update(data_offsets=[132, 164]))      # "gap"
cases["data_longer"] = base + b"\0\0\0\0"                                                         # "after the last tensor"
t = tensors_of(header, data)
t_chain = dict(t)
t_chain["layers.1.weight"] = t["layers.1.weight"][:, :7]
cases["no_chain"] = rebuild(header["__metadata__"], t_chain)                                     # "do not chain"
cases["bad_crc"] = base[:-1] + bytes([base[-1] ^ 1])                                              # "CRC-32"
for name, value in (("nan", np.nan), ("inf", np.inf)):
    t_bad = {k: v.copy() for k, v in t.items()}
    t_bad["layers.1.weight"][0, 0] = value
    cases[name] = rebuild(header["__metadata__"], t_bad)                                          # "NaN", "Inf"
# Metadata.
cases["no_metadata"] = edited(lambda h: h.pop("__metadata__"))                                  # "no __metadata__"
cases["bad_activation"] = meta("activations", "tanh,swish,softmax")                              # "activation names"
cases["bad_dropout"] = meta("dropout", "1.5,0,0")                                                # "dropout rates"
cases["layers_17"] = meta("n_layers", "17")                                                      # "layer count"
cases["layers_0"] = meta("n_layers", "0")                                                        # "layer count"
cases["version_3"] = meta("format_version", "3")                                                 # "HINT"
cases["meta_not_string"] = pack(text.replace(b'"n_inputs":"4"', b'"n_inputs":4'), data)          # "not a string"
cases["zero_bytes"] = b""                                                                         # "empty"

for name, blob in sorted(cases.items()):
    with open(os.path.join(here, "bad_%s.safetensors" % name), "wb") as f:
        f.write(blob)
print("wrote %d malformed files to %s" % (len(cases), here))
