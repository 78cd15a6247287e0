#!/usr/bin/python3
"""tests/data/idx/make.py - write the IDX/gzip regression files.

Run from anywhere:  /usr/bin/python3 tests/data/idx/make.py
It rewrites every file below in tests/data/idx/ and the fuzzing seeds in
fuzz/corpus/idx/ and fuzz/corpus/gzip/; the outputs are committed with it.
Output is deterministic (gzip mtime 0), so rerunning it changes nothing.

tests/test_idx.c loads each file and checks the error message it expects;
the table at the end of this script lists the files and what each is for.
"""
import gzip
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

TYPES = {"u8": (0x08, ">B"), "i8": (0x09, ">b"), "i16": (0x0B, ">h"),
         "i32": (0x0C, ">i"), "f32": (0x0D, ">f"), "f64": (0x0E, ">d")}


def idx(type_name, dims, values):
    """A well-formed IDX file: 00 00 type rank, big-endian u32 dims, data."""
    code, fmt = TYPES[type_name]
    out = bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return out + b"".join(struct.pack(fmt, v) for v in values)


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def gzip_plain(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def gzip_fields(data, extra=b"ab\x04\x00wxyz", name=b"images.idx", comment=b"every optional field", hcrc=True):
    """gzip with FTEXT, FEXTRA, FNAME, FCOMMENT and FHCRC all set."""
    flags = 0x01 | 0x04 | 0x08 | 0x10 | (0x02 if hcrc else 0)
    header = bytes([0x1F, 0x8B, 8, flags]) + struct.pack("<I", 0) + bytes([2, 3])
    header += struct.pack("<H", len(extra)) + extra + name + b"\0" + comment + b"\0"
    if hcrc:
        header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    return header + raw_deflate(data) + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def with_trailer(gz, crc=None, isize=None):
    """Replace the CRC-32 and/or ISIZE of a gzip file's trailer."""
    old_crc, old_isize = struct.unpack("<II", gz[-8:])
    return gz[:-8] + struct.pack("<II", old_crc if crc is None else crc, old_isize if isize is None else isize)


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


# Small valid arrays, one per element type, with values that exercise signs,
# extremes and fractions. test_idx.c checks these exact values.
images = idx("u8", [3, 2, 2], [0, 255, 128, 1, 2, 3, 4, 5, 250, 251, 252, 253])
labels = idx("u8", [3], [7, 0, 9])
i8 = idx("i8", [2, 3], [-128, -1, 0, 1, 2, 127])
i16 = idx("i16", [2, 3], [-32768, -2, 0, 3, 1000, 32767])
i32 = idx("i32", [2, 3], [-2147483648, -5, 0, 6, 123456789, 2147483647])
f32 = idx("f32", [2, 3], [-1.5, 0.0, 0.25, 3.0, 1e-3, 65504.0])
f64 = idx("f64", [2, 3], [-2.5, 0.0, 0.125, 1e300, -1e-300, 3.141592653589793])
gz = gzip_plain(images)

files = {
    # --- valid -----------------------------------------------------------
    "images.idx": images,                       # u8, rank 3: 3 images of 2x2
    "labels.idx": labels,                       # u8, rank 1: 7 0 9
    "i8.idx": i8, "i16.idx": i16, "i32.idx": i32, "f32.idx": f32, "f64.idx": f64,
    "rank1.idx": idx("u8", [4], [1, 2, 3, 4]),
    "rank2.idx": idx("u8", [2, 2], [1, 2, 3, 4]),
    "rank4.idx": idx("i16", [1, 2, 2, 2], list(range(-4, 4))),
    "zero_items.idx": idx("u8", [0, 28, 28], []),   # valid IDX with no items
    "labels_i32.idx": idx("i32", [3], [2, 1, 0]),
    "images.idx.gz": gz,                        # plain gzip of images.idx
    "all_fields.idx.gz": gzip_fields(images),   # FTEXT FEXTRA FNAME FCOMMENT FHCRC
    # --- not IDX at all --------------------------------------------------
    "empty.idx": b"",
    "html.idx": b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
                b"<body><h1>Not Found</h1></body></html>\n",
    "text.idx": b"version https://git-lfs.github.com/spec/v1\noid sha256:0123456789abcdef\nsize 9912422\n",
    "zip.idx": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(20),
    "bad_magic.idx": b"\x12\x34\x08\x01\x00\x00\x00\x01\x05",
    # --- malformed IDX ---------------------------------------------------
    "short.idx": b"\x00\x00\x08",                                   # truncated in the magic
    "bad_type.idx": b"\x00\x00\x07\x01\x00\x00\x00\x01\x05",        # type 0x07 does not exist
    "rank0.idx": b"\x00\x00\x08\x00",
    "rank9.idx": b"\x00\x00\x08\x09" + struct.pack(">9I", *([1] * 9)) + b"\x05",
    "trunc_dims.idx": images[:9],                                   # 1 of 3 dimensions + 1 byte
    "trunc_data.idx": images[:-3],                                  # 3 data bytes missing
    "extra_data.idx": images + b"\x00\x01",                         # 2 bytes more than declared
    "huge_dim.idx": b"\x00\x00\x08\x01\xff\xff\xff\xff",             # 4294967295 items
    # 8 dimensions of 2^24 (each allowed) multiply to 2^192 elements
    "overflow.idx": b"\x00\x00\x08\x08" + struct.pack(">8I", *([1 << 24] * 8)),
    "label_big.idx": idx("u8", [3], [7, 10, 9]),                    # 10 is outside 0..9
    "label_negative.idx": idx("i8", [3], [7, -1, 9]),
    "label_fraction.idx": idx("f32", [3], [1.0, 1.5, 0.0]),
    "labels_two.idx": idx("u8", [2], [1, 2]),                        # 2 labels for 3 images
    "labels_rank2.idx": idx("u8", [3, 2], [0, 1, 2, 3, 4, 5]),
    "images_nan.idx": idx("f32", [2, 2], [0.0, float("nan"), 1.0, 2.0]),
    # --- malformed gzip --------------------------------------------------
    "gz_trunc_fixed.gz": gz[:6],                                    # in the 10-byte header
    "gz_trunc_extra_len.gz": gzip_fields(images)[:11],              # in the FEXTRA length
    "gz_trunc_extra.gz": gzip_fields(images)[:15],                  # in the FEXTRA data
    "gz_trunc_name.gz": gzip_fields(images)[:24],                   # in the file name
    "gz_trunc_comment.gz": gzip_fields(images)[:36],                # in the comment
    "gz_trunc_hcrc.gz": gzip_fields(images)[:53],                   # in the header CRC
    "gz_trunc_trailer.gz": gz[:10] + gz[10:15],                     # header, then 5 bytes
    "gz_truncated.gz": gz[:len(gz) // 2],                           # cut inside the deflate data
    "gz_bad_method.gz": gz[:2] + b"\x07" + gz[3:],
    "gz_reserved_flags.gz": gz[:3] + b"\x20" + gz[4:],
    "gz_bad_hcrc.gz": gzip_fields(images)[:52] + b"\x00\x00" + gzip_fields(images)[54:],
    "gz_corrupt.gz": gz[:10] + b"\x07" + gz[11:],                   # deflate block type 3 (reserved)
    "gz_bad_crc.gz": with_trailer(gz, crc=struct.unpack("<I", gz[-8:-4])[0] ^ 1),
    "gz_isize_big.gz": with_trailer(gz, isize=len(images) + 1),
    "gz_isize_small.gz": with_trailer(gz, isize=len(images) - 1),
    "gz_isize_huge.gz": with_trailer(gz, isize=0xFFFFFFF0),          # impossible for the length
    "gz_twice.gz": gzip_plain(gz),                                  # gzip inside gzip
    "gz_of_html.gz": gzip_plain(b"<html><body>Moved</body></html>\n"),
    "gz_trunc_data.gz": gzip_plain(images[:-3]),                    # valid gzip, truncated IDX
}

# The all-fields header is 10 + 2 + 8 + 11 + 21 + 2 = 54 bytes; the cut
# points above must fall inside the field each name promises.
assert len(gzip_fields(images)) > 56 and gzip_fields(images)[52:54] != b"\x00\x00"
assert gzip_fields(images)[54:-8] == raw_deflate(images)

for name, data in files.items():
    write(HERE, name, data)

# Seeds for the fuzzers: a few small valid inputs of each kind.
corpus = os.path.join(ROOT, "fuzz", "corpus")
for name in ["images.idx", "labels.idx", "i16.idx", "f64.idx", "rank4.idx"]:
    write(os.path.join(corpus, "idx"), name, files[name])
for name in ["images.idx.gz", "all_fields.idx.gz"]:
    write(os.path.join(corpus, "gzip"), name, files[name])
write(os.path.join(corpus, "gzip"), "labels.idx.gz", gzip_plain(labels))
write(os.path.join(corpus, "gzip"), "stored.gz",                   # a stored (uncompressed) block
      gzip.compress(i32, compresslevel=0, mtime=0))
print("wrote %d files to %s and seeds to %s" % (len(files), HERE, corpus))
