#!/usr/bin/python3
"""Write the four tables of data/tabular/ from the data scikit-learn ships.

    /usr/bin/python3 data/tabular/make_tabular.py     (needs Debian's python3-sklearn)

Each file is a CSV with a header: the features under scikit-learn's names,
then the target: the class as a word for the three classification tables,
the disease-progression number for diabetes. Diabetes is written raw
(load_diabetes(scaled=False)), not scikit-learn's default pre-scaled copy,
so the file holds the measurements as they were taken. Numbers are written
as Python's shortest repr of the float64 values ("59", not "59.0").
"""
import csv
import os

from sklearn import datasets

HERE = os.path.dirname(os.path.abspath(__file__))


def number(x):
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def write(name, features, X, target, y):
    path = os.path.join(HERE, name + ".csv")
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(list(features) + [target])
        for row, value in zip(X, y):
            out.writerow([number(v) for v in row] + [value])
    print("wrote %s: %d rows, %d features" % (path, len(X), len(features)))


def main():
    d = datasets.load_diabetes(scaled=False)
    write("diabetes", d.feature_names, d.data, "progression", [number(v) for v in d.target])
    for name, loader, target in [("breast_cancer", datasets.load_breast_cancer, "diagnosis"),
                                 ("wine", datasets.load_wine, "class"),
                                 ("iris", datasets.load_iris, "species")]:
        d = loader()
        write(name, d.feature_names, d.data, target, [d.target_names[k] for k in d.target])


if __name__ == "__main__":
    main()
