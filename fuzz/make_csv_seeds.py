#!/usr/bin/python3
"""Write the seed corpus of fuzz/fuzz_csv.c into fuzz/corpus/csv: small
tables of every kind the reader takes, each after the two option bytes the
target reads first (see fuzz/fuzz_csv.c), plus the malformed files of
tests/data/csv.

    /usr/bin/python3 fuzz/make_csv_seeds.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "corpus", "csv")

# option bytes: bits 0-1 separator, 2-3 header, 4-5 task, 6 sorted, 7 skip,
# 8-9 target, 10 optional target, 11 class names, 12-13 features
TABLES = {
    "iris_head": (0x0000, b"sepal_length,sepal_width,petal_length,petal_width,species\n"
                          b"5.1,3.5,1.4,0.2,setosa\n7,3.2,4.7,1.4,versicolor\n6.3,3.3,6,2.5,virginica\n"),
    "regression": (0x0000, b"age,sex,bmi,y\n59,2,32.1,151\n48,1,21.6,75\n72,2,30.5,141\n"),
    "semicolons": (0x0040, b"a;b;c\n1.5;2e3;x\n-3;.4;y\n"),
    "tabs_crlf": (0x0003, b"a\tb\tc\r\n1\t2\tx\r\n3\t4\ty\r\n"),
    "bom_quotes": (0x0001, b"\xef\xbb\xbf\"a\",\"b, c\",\"d\"\"e\"\n1,\"2\",\"line\nbreak\"\n3,4,\"x\"\"y\"\n"),
    "no_header": (0x0008, b"1,2,3\n4,5,6\n7,8,9\n"),
    "numbers_as_classes": (0x0810, b"x,y\n0.5,1\n1.5,1.0\n2.5,b\n"),
    "missing_skipped": (0x0080, b"a,b,y\n1,NA,2\n3,4,5\n,6,7\n8,9\n10,11,12\n"),
    "two_targets": (0x0000, b"x,y1,y2\n1,2,3\n4,5,6\n"),
    "features_chosen": (0x3100, b"x,1,z\n1,2,3\n4,5,6\n"),
    "blank_lines_cr": (0x0000, b"\n\na,b\r1,2\r\r3,4\r  \r"),
    "inputs_only": (0x0300, b"p,q\n1,2\n3,4\n"),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (options, text) in TABLES.items():
        with open(os.path.join(OUT, name + ".csv"), "wb") as f:
            f.write(bytes([options & 255, options >> 8]) + text)
    bad = os.path.join(ROOT, "tests", "data", "csv")
    for name in sorted(os.listdir(bad)):
        if name.endswith(".csv"):
            with open(os.path.join(bad, name), "rb") as f:
                data = f.read()
            with open(os.path.join(OUT, "bad_" + name), "wb") as f:
                f.write(b"\x00\x00" + data)
    print("wrote the seeds in %s" % OUT)


if __name__ == "__main__":
    main()
