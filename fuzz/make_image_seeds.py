#!/usr/bin/python3
"""Seed corpus for fuzz/fuzz_image.c: one tiny valid image per format.
Run from the repository root: /usr/bin/python3 fuzz/make_image_seeds.py
Needs numpy and Pillow (PNG is written by Pillow too; the files are tiny)."""
import os

import numpy as np
from PIL import Image

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "image")
ink = np.zeros((12, 10), np.uint8)
ink[2:10, 4:6] = 255            # a "1"
ink[3, 3] = 180
paper = 255 - ink
Image.fromarray(paper, "L").save(os.path.join(HERE, "one.png"))
Image.fromarray(np.dstack([paper, paper // 2, paper]), "RGB").save(os.path.join(HERE, "one.bmp"))
Image.fromarray(paper, "L").save(os.path.join(HERE, "one.gif"))
Image.fromarray(paper, "L").save(os.path.join(HERE, "one.jpg"), quality=80)
with open(os.path.join(HERE, "one.pgm"), "wb") as f:
    f.write(b"P5\n10 12\n255\n" + paper.tobytes())
