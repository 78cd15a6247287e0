#!/usr/bin/python3
"""Make the hard captures in data/digits/hard/: photos of handwritten digits
as people take them, synthesised from held-out MNIST digits.

Each picture puts a real digit from data/mnist-sample/t10k-images-idx3-ubyte.gz
(indices 100 and up: data/digits/ uses lower ones), enlarged and sharpened
into pen or pencil strokes, on paper under the conditions that broke the
first preprocessing: vignetting, a shadow across the sheet, a sheet on a dark
desk, ruled paper with a red margin line, a faint pencil stroke, a lamp's
gradient, and mixes of them; then saves it as a JPEG, as a phone would.
The file name is <label>_<condition>_<t10k index>.jpg. Run from the
repository root (needs numpy and Pillow, Debian's python3-numpy python3-pil):

    /usr/bin/python3 data/digits/hard/make_hard.py

The output is deterministic (fixed seed); the script rewrites every file.
"""
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))
from make_digits import read_idx  # noqa: E402  (data/digits/make_digits.py)
W, H = 320, 240
CONDITIONS = ["vignette", "shadow", "desk", "ruled", "pencil", "lamp", "desk_shadow", "ruled_pencil"]


def ink_alpha(digit, height, rng, pencil):
    """The digit's strokes as coverage in [0, 1], `height` pixels tall."""
    image = Image.fromarray(digit).resize((height, height), Image.BICUBIC)
    v = np.asarray(image, np.float32) / 255.0
    lo, hi = (0.35, 0.25) if pencil else (0.2, 0.35)   # pencil: thinner strokes
    a = np.clip((v - lo) / hi, 0.0, 1.0)
    if pencil:   # graphite: grainy, uneven pressure
        a *= np.clip(0.55 + 0.45 * rng.random(a.shape) * rng.random(a.shape) + 0.2, 0.0, 1.0)
    return a


def paste(canvas_alpha, a, x, y):
    h, w = a.shape
    canvas_alpha[y:y + h, x:x + w] = np.maximum(canvas_alpha[y:y + h, x:x + w], a)


def grid():
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    return xx, yy


def vignette(strength):
    xx, yy = grid()
    r2 = ((xx - W / 2) / (W / 2)) ** 2 + ((yy - H / 2) / (H / 2)) ** 2
    return np.clip(1.0 - strength * r2 / 2.0, 0.0, 1.0)[..., None]


def shadow(rng, depth):
    """A soft-edged shadow over one side of a random line through the sheet."""
    xx, yy = grid()
    angle = rng.uniform(0, 2 * np.pi)
    cx, cy = W * rng.uniform(0.35, 0.65), H * rng.uniform(0.35, 0.65)
    d = (xx - cx) * np.cos(angle) + (yy - cy) * np.sin(angle)
    edge = 1.0 / (1.0 + np.exp(-d / rng.uniform(3.0, 12.0)))
    return (1.0 - depth * edge)[..., None]


def lamp(rng):
    xx, yy = grid()
    angle = rng.uniform(0, 2 * np.pi)
    d = ((xx - W / 2) * np.cos(angle) + (yy - H / 2) * np.sin(angle)) / (W / 2)
    return np.clip(0.75 + 0.3 * d, 0.3, 1.1)[..., None]


def make(digit, condition, rng):
    pencil = "pencil" in condition
    canvas = np.empty((H, W, 3), np.float32)
    paper = np.array([236, 234, 228], np.float32) + rng.normal(0, 3, 3)
    canvas[:] = paper
    sheet = np.ones((H, W), bool)
    if condition.startswith("desk"):   # a sheet lying on a dark wooden desk
        xx, yy = grid()
        desk = np.array([58, 42, 30], np.float32)
        grain = 10 * np.sin(yy / 3.0 + 2 * np.sin(xx / 40.0))[..., None]
        x0, y0 = rng.integers(18, 50), rng.integers(14, 36)
        x1, y1 = W - rng.integers(18, 50), H - rng.integers(14, 36)
        tilt = rng.uniform(-0.08, 0.08)   # a slightly turned sheet
        u = (xx - W / 2) * np.cos(tilt) + (yy - H / 2) * np.sin(tilt) + W / 2
        v = -(xx - W / 2) * np.sin(tilt) + (yy - H / 2) * np.cos(tilt) + H / 2
        sheet = (u > x0) & (u < x1) & (v > y0) & (v < y1)
        canvas = np.where(sheet[..., None], canvas, desk + grain)
    if condition.startswith("ruled"):   # blue lines, a red margin, the digit right of it
        for y in range(int(rng.integers(10, 30)), H, 26):
            canvas[y:y + 2] = [150, 185, 230]
        margin = int(rng.integers(28, 60))
        canvas[:, margin:margin + 3] = [215, 60, 70]
    # the digit: 45-70% of the height, placed on the sheet
    height = int(H * rng.uniform(0.45, 0.7))
    a = np.zeros((H, W), np.float32)
    left = 80 if condition.startswith("ruled") else 40
    for _ in range(100):
        x, y = int(rng.integers(left, W - height - 30)), int(rng.integers(20, H - height - 20))
        if sheet[y:y + height, x:x + height].all():
            break
    paste(a, ink_alpha(digit, height, rng, pencil), x, y)
    ink = np.array([120, 120, 125], np.float32) if pencil else np.array([25, 30, 70], np.float32) + rng.normal(0, 8, 3)
    canvas = canvas * (1 - a[..., None]) + ink * a[..., None]
    if condition in ("vignette", "desk_shadow", "ruled_pencil"):
        canvas *= vignette(rng.uniform(0.9, 1.3))
    if condition in ("shadow", "desk_shadow"):
        canvas *= shadow(rng, rng.uniform(0.45, 0.6))
    if condition in ("lamp", "pencil"):
        canvas *= lamp(rng)
    canvas += rng.normal(0, 4, canvas.shape)   # sensor noise
    out = Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.7))
    return out


def main():
    images = read_idx(os.path.join(ROOT, "data/mnist-sample/t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(ROOT, "data/mnist-sample/t10k-labels-idx1-ubyte.gz"))
    rng = np.random.default_rng(16)
    for name in os.listdir(HERE):
        if name.endswith(".jpg"):
            os.remove(os.path.join(HERE, name))
    index = 100
    made = 0
    for round_ in range(4):          # 4 rounds x 10 digits, the conditions in turn: 40 pictures
        for label in range(10):
            while labels[index] != label:
                index += 1
            condition = CONDITIONS[(label + 3 * round_) % len(CONDITIONS)]
            make(images[index], condition, rng).save(os.path.join(HERE, f"{label}_{condition}_{index}.jpg"), quality=82)
            index += 1
            made += 1
    print(f"wrote {made} pictures to {HERE}")


if __name__ == "__main__":
    main()
