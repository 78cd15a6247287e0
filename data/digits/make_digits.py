#!/usr/bin/python3
"""Make the sample digit pictures in data/digits/ from held-out MNIST digits.

Each picture is a real digit from data/mnist-sample/t10k-images-idx3-ubyte.gz,
changed the way a phone photo or a paint program would give it: dark ink on
white, off-centre on a big canvas, upscaled, in colour, as a JPEG, noisy and
blurred, with a transparent background, as a PGM. File names start with the
true label. Run from the repository root:

    /usr/bin/python3 data/digits/make_digits.py

Needs numpy; the JPEG needs Pillow (PNG and PGM are written here with zlib
and struct). The output is deterministic (fixed seed).
"""
import gzip
import os
import struct
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def read_idx(path):
    data = gzip.open(path).read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def write_png(path, pixels):
    """pixels: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA, uint8."""
    pixels = np.ascontiguousarray(pixels, np.uint8)
    h, w = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    colour_type = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(h))  # filter 0 per row

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write_pgm(path, pixels):
    h, w = pixels.shape
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(pixels, np.uint8).tobytes())


def resize(ink, height, width):
    """Bilinear resize of a float image (the smooth strokes of a drawing)."""
    h, w = ink.shape
    ys = (np.arange(height) + 0.5) * h / height - 0.5
    xs = (np.arange(width) + 0.5) * w / width - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1); y1 = np.clip(y0 + 1, 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1); x1 = np.clip(x0 + 1, 0, w - 1)
    fy = np.clip(ys - y0, 0, 1)[:, None]; fx = np.clip(xs - x0, 0, 1)[None, :]
    top = ink[y0][:, x0] * (1 - fx) + ink[y0][:, x1] * fx
    bottom = ink[y1][:, x0] * (1 - fx) + ink[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def paint(ink, background, colour):
    """Ink intensity in [0, 1] -> pixels: background where 0, colour where 1."""
    bg = np.asarray(background, float); fg = np.asarray(colour, float)
    if bg.ndim == 0:
        return np.clip(np.rint(bg * (1 - ink) + fg * ink), 0, 255).astype(np.uint8)
    out = bg[None, None, :] * (1 - ink[..., None]) + fg[None, None, :] * ink[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def box_blur(x):
    p = np.pad(x, 1, mode="edge")
    return sum(p[dy:dy + x.shape[0], dx:dx + x.shape[1]] for dy in range(3) for dx in range(3)) / 9.0


def main():
    images = read_idx(os.path.join(ROOT, "data/mnist-sample/t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(ROOT, "data/mnist-sample/t10k-labels-idx1-ubyte.gz"))
    first = {int(d): int(np.argmax(labels == d)) for d in range(10)}   # first t10k index of each digit
    rng = np.random.default_rng(20261122)
    made = []

    def digit(label):
        return images[first[label]].astype(float) / 255.0

    def save(label, name, writer, pixels, transform):
        path = os.path.join(HERE, "%d_%s" % (label, name))
        writer(path, pixels)
        made.append((os.path.basename(path), first[label], transform))

    # 7: the digit as it is, but dark ink on white paper.
    save(7, "inverted.png", write_png, paint(digit(7), 255, 0), "28x28, inverted: black ink on white")
    # 2: a small digit off-centre on a big white canvas.
    canvas = np.zeros((240, 320)); canvas[130:190, 20:80] = resize(digit(2), 60, 60)
    save(2, "offcentre.png", write_png, paint(canvas, 255, 0), "60x60 digit at x=20..79, y=130..189 of a 320x240 white canvas")
    # 1: upscaled to 200x200, black on white.
    save(1, "large.png", write_png, paint(resize(digit(1), 200, 200), 255, 0), "upscaled to 200x200 (bilinear), black on white")
    # 0: blue ink on light yellow paper, RGB.
    save(0, "colour.png", write_png, paint(resize(digit(0), 150, 150), (250, 240, 190), (30, 60, 200)),
         "150x150 RGB, blue ink (30,60,200) on light yellow (250,240,190)")
    # 4: a JPEG 'photo': grey ink on grey paper with uneven light.
    light = np.linspace(-12, 12, 180)[None, :] + np.linspace(-8, 8, 180)[:, None]
    photo = np.clip(paint(resize(digit(4), 180, 180), 205, 40).astype(float) + light, 0, 255).astype(np.uint8)
    from PIL import Image   # only the JPEG needs an encoder
    save(4, "photo.jpg", lambda p, x: Image.fromarray(x, "L").save(p, quality=75), photo,
         "180x180 JPEG (quality 75), grey ink (40) on grey paper (205) with a +-20 lighting gradient")
    # 9: blurred, then mild Gaussian noise.
    noisy = paint(box_blur(box_blur(resize(digit(9), 120, 120))), 245, 15).astype(float)
    noisy = np.clip(noisy + rng.normal(0, 10, noisy.shape), 0, 255).astype(np.uint8)
    save(9, "noisy.png", write_png, noisy, "120x120, two 3x3 box blurs, Gaussian noise (sigma 10 levels), dark on white")
    # 3: RGBA with a transparent background (what paint programs export).
    ink = resize(digit(3), 100, 100)
    rgba = np.zeros((100, 100, 4), np.uint8); rgba[..., 3] = np.rint(ink * 255).astype(np.uint8)
    save(3, "transparent.png", write_png, rgba, "100x100 RGBA: black ink, alpha = ink, transparent black background")
    # 5: a wide 8-bit PGM scan: grey ink on off-white.
    scan = np.zeros((100, 140)); scan[10:90, 50:130] = resize(digit(5), 80, 80)
    save(5, "scan.pgm", write_pgm, paint(scan, 230, 70), "140x100 binary PGM (P5), ink 70 on paper 230, digit right of centre")

    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("# Sample digit pictures\n\n"
                "Real handwritten digits from the held-out part of data/mnist-sample\n"
                "(t10k-images-idx3-ubyte.gz), changed the way a phone photo or a paint\n"
                "program would give them. Each file name starts with the true label.\n"
                "nnet_image_load_mnist() turns each back into a 28x28 MNIST-style digit;\n"
                "tests/test_image.c checks that every file here loads and matches its source.\n"
                "Made by `/usr/bin/python3 data/digits/make_digits.py` (deterministic).\n\n"
                "| file | t10k index | transform |\n|---|---|---|\n")
        for name, index, transform in made:
            f.write("| %s | %d | %s |\n" % (name, index, transform))


if __name__ == "__main__":
    main()
