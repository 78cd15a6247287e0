#!/usr/bin/python3
"""Write the malformed CSV files of tests/data/csv, one for each way a table
can be broken. tests/test_csv.c loads each and checks the message names the
problem and where it is (line and column).

    /usr/bin/python3 tests/data/csv/make.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
GOOD = b"length,width,kind\n1.5,2,a\n2.5,3,b\n"

FILES = {
    "empty.csv": b"",
    "blank_lines.csv": b"\n  \n\r\n\t\n",
    "header_only.csv": b"length,width,kind\n\n",
    "ragged_short.csv": GOOD + b"3.5,4\n",
    "ragged_long.csv": b"length,width,kind\n1.5,2,a\n2.5,3,b,extra\n",
    "text_in_feature.csv": GOOD + b"3.5,wide,c\n",
    "missing_feature.csv": b"length,width,kind\n1.5,2,a\n,3,b\n",
    "open_quote.csv": GOOD[:-1] + b"\n3.5,4,\"c\n4.5,5,d\n",
    "after_quote.csv": b"length,width,kind\n1.5,2,\"a\"b\n",
    # the start of a PNG file: its bytes 1A 0A and 00 are control characters
    "binary.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x1c",
    "nul_byte.csv": GOOD + b"3.5,4\x00,c\n",
    "utf16.csv": "length,width,kind\n1.5,2,a\n".encode("utf-16"),
    "decimal_comma.csv": b"length;width;kind\n\"1,5\";2;a\n",
    "out_of_range.csv": b"a,b,c\n1,1e40,x\n",
    "one_column.csv": b"kind\na\nb\n",
    "text_targets.csv": b"x,y,kind\n1,2,a\n3,4,b\n",
}


def main():
    for name, data in FILES.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    print("wrote %d files in %s" % (len(FILES), HERE))


if __name__ == "__main__":
    main()
