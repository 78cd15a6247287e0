#!/usr/bin/python3
"""Make the malformed images tests/test_image.c feeds to the image loader.

Run from the repository root: /usr/bin/python3 tests/data/image/make_bad_images.py
Standard library only; deterministic.

    good.png         valid 28x28 grey PNG of a synthetic "1" (the base of the others)
    truncated.png    good.png cut after 60% of its bytes (IDAT incomplete, no IEND)
    corrupt_idat.png good.png with the zlib data inside IDAT overwritten (CRC fixed up)
    bad_crc.png      good.png with only the IHDR CRC wrong (stb_image ignores CRCs; nnet does not)
    bad_idat_crc.png good.png with one byte of the zlib data changed, the CRC left as it was
    huge_dims.png    a PNG whose IHDR claims 100000x100000 pixels
    wide_dims.png    a PNG whose IHDR claims 9000x8 (fine for stb, over nnet's 8192 cap)
    huge_dims.bmp    a BMP header claiming 100000x100000 pixels, 24 bits
    huge_dims.gif    a GIF header claiming 60000x60000 pixels
    not_an_image.txt plain text
    empty.png        zero bytes
    jpeg_dht_overflow.jpg  a JPEG whose Huffman table declares 300 codes (stb_image 2.27
                     overflows its arrays on it, nothings/stb#1289)
    jpeg_dht_overflow_fill.jpg  the same after two 0xFF fill bytes, which stb still takes
                     for a JPEG (found by fuzzing the first version of nnet's JPEG check)
    pnm_huge_number.pgm  a PGM header whose width has 80 digits (stb_image 2.27 overflows an
                     int reading it, found by fuzzing with UBSan)
    png_chunk_2gib.png  good.png with one more IDAT chunk declaring 2 GiB (stb_image 2.27
                     allocates that before noticing the bytes are missing)
    pnm_truncated.pgm   a 10x10 PGM with 30 of its 100 pixel bytes
    rgba16_8192.png  an IHDR of 8192x8192, 16-bit RGBA (within the pixel caps, 512 MiB decoded),
                     then a small IDAT: refused by the cap on decoded bytes
    ppm16_bar.ppm    a valid 16-bit PPM (maxval 1000) of a dark bar on light grey; stb_image
                     2.27 reads past its buffer when asked for one channel of it
    jpeg_undefined_huffman.jpg (not made here: found by fuzz/fuzz_image.c and kept as is)
                     a JPEG whose scan uses an AC table no DHT defined; libstb 2.27
                     decodes it from uninitialised memory and crashed under the fuzzer
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def chunk(kind, body, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png(width, height, idat, ihdr_crc=None, depth=8, colour=0):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr, ihdr_crc) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    # A synthetic "1": a vertical bar, white on black, 28x28.
    rows = []
    for y in range(28):
        row = bytes(255 if (12 <= x <= 15 and 4 <= y <= 23) else 0 for x in range(28))
        rows.append(b"\x00" + row)
    idat = zlib.compress(b"".join(rows), 9)
    good = png(28, 28, idat)
    write("good.png", good)
    write("truncated.png", good[: len(good) * 6 // 10])
    broken = bytearray(idat)
    for i in range(2, len(broken) - 4):        # keep the 2-byte zlib header, wreck the deflate data
        broken[i] = (i * 37 + 11) & 0xFF
    write("corrupt_idat.png", png(28, 28, bytes(broken)))
    write("bad_crc.png", png(28, 28, idat, ihdr_crc=0x12345678))
    changed = png(28, 28, idat)
    at = changed.index(b"IDAT") + 4 + len(idat) // 2
    write("bad_idat_crc.png", changed[:at] + bytes([changed[at] ^ 0x10]) + changed[at + 1:])
    write("rgba16_8192.png", png(8192, 8192, zlib.compress(b"\x00" * 1000), depth=16, colour=6))
    write("huge_dims.png", png(100000, 100000, zlib.compress(b"\x00" * 64)))
    write("wide_dims.png", png(9000, 8, zlib.compress(b"\x00" * 9001)))
    # BMP: BITMAPFILEHEADER + BITMAPINFOHEADER, 24 bits, no pixel data.
    info = struct.pack("<IiiHHIIiiII", 40, 100000, 100000, 1, 24, 0, 0, 2835, 2835, 0, 0)
    write("huge_dims.bmp", b"BM" + struct.pack("<IHHI", 14 + len(info), 0, 0, 14 + len(info)) + info)
    # GIF89a logical screen descriptor, global colour table of 2 entries, then nothing.
    write("huge_dims.gif", b"GIF89a" + struct.pack("<HHBBB", 60000, 60000, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff;")
    write("not_an_image.txt", b"This is not an image, just some text.\n")
    write("empty.png", b"")
    counts = bytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 45, 255])  # 300 codes
    dht = b"\x00" + counts + bytes(range(256)) + bytes(44)
    overflow = b"\xff\xd8" + b"\xff\xc4" + struct.pack(">H", 2 + len(dht)) + dht + b"\xff\xd9"
    write("jpeg_dht_overflow.jpg", overflow)
    write("jpeg_dht_overflow_fill.jpg", b"\xff\xff" + overflow)
    body = good[:-12]                          # without IEND
    write("png_chunk_2gib.png", body + struct.pack(">I", 0x80000000) + b"IDAT" + bytes(20) + chunk(b"IEND", b""))
    write("pnm_huge_number.pgm", b"P5\n# a comment\n" + b"3" * 80 + b" 10\n255\n" + bytes(30))
    write("pnm_truncated.pgm", b"P5\n10 10\n255\n" + bytes(30))
    ppm = b""
    for y in range(12):
        for x in range(10):
            v = 100 if (4 <= x <= 5 and 2 <= y <= 9) else 900
            ppm += struct.pack(">HHH", v, v, v)
    write("ppm16_bar.ppm", b"P6\n10 12\n1000\n" + ppm)


if __name__ == "__main__":
    main()
