#!/usr/bin/python3
"""bench/compare.py - nnet.h against PyTorch and numpy, back to back in one run.

Trains the same 784-128-10 ReLU/softmax net (SGD, lr 0.01, momentum 0.9,
shuffled minibatches, cross-entropy) on Fashion-MNIST with
  nnet.h    bench/bench --train (1 and 2 threads), and bench/bench-avx2 (built
            with -mno-avx512f: 256-bit kernels) when that is a different width
  PyTorch   torch.nn, torch.set_num_threads(1)
  numpy     float32, OpenBLAS on 1 thread (OPENBLAS_NUM_THREADS=1)
at batch 32 and 128, and prints the best epoch's seconds, test accuracy and
nnet's ratio to PyTorch and to the FLOP limit of its kernels' width (the
epoch's FLOPs at the one-core peak of that width, bench --peak). The runs
take turns: --rounds times nnet, then PyTorch, then numpy, each best of
--epochs epochs, and each keeps its best round, so a busy spell on the
shared machine does not fall on one of them alone. Then it measures nnet's
peak memory with /usr/bin/time -v. kann is not a Debian package, so it is
not run here (docs/benchmarks.md has a measurement made by hand).

    /usr/bin/python3 bench/compare.py [--epochs E] [--rounds R] [--svg docs/benchmarks.svg]
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before numpy loads OpenBLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")
import argparse, gzip, re, subprocess, sys, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = "/usr/share/datasets/fashion-mnist"
FLOP_PER_EPOCH = 60000 * (2 * 2 * (784 * 128 + 128 * 10) + 2 * 128 * 10)  # fwd + dW + dX of layer 2


def load(prefix):
    with gzip.open(f"{DATA}/{prefix}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0
    with gzip.open(f"{DATA}/{prefix}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return x, y


def builds():
    """The bench binaries to run: bench (the machine's widest vectors) and,
    when it was built and uses other kernels, bench-avx2 (256-bit); each with
    its kernels' width and that width's peak, measured by its own FMA loop."""
    out = []
    for name in ("bench", "bench-avx2"):
        exe = os.path.join(HERE, name)
        if not os.path.exists(exe):
            continue
        m = re.search(r"peak kernel_bits=(\d+) gflops=([\d.]+)",
                      subprocess.run([exe, "--peak"], check=True, capture_output=True, text=True).stdout)
        if m and all(int(m[1]) != bits for _, bits, _ in out):
            out.append((exe, int(m[1]), float(m[2])))
    return out


def run_nnet(exe, epochs):
    out = subprocess.run([exe, "--train", "--epochs", str(epochs)], check=True, capture_output=True, text=True).stdout
    res = {}
    for m in re.finditer(r"train batch=(\d+) threads=(\d+) seconds_per_epoch=([\d.]+) cpu_seconds_per_epoch=([\d.]+)"
                         r" median_batch_seconds_per_epoch=([\d.]+) test_accuracy=([\d.]+)"
                         r"(?: weights_identical_to_1_thread=(\w+))?", out):
        res[(int(m[1]), int(m[2]))] = (float(m[3]), float(m[4]), float(m[5]), float(m[6]), m[7])
    return res


def run_torch(x, y, xt, yt, batch, epochs):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    X, Y, XT, YT = map(torch.from_numpy, (x, y, xt, yt))
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    best = cpu_best = float("inf")
    times = []
    for _ in range(epochs):
        start, cpu_start = time.perf_counter(), time.process_time()
        order = torch.randperm(len(X))
        for i in range(0, len(X), batch):
            t0 = time.perf_counter()
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(X[idx]), Y[idx]).backward()
            opt.step()
            times.append(time.perf_counter() - t0)
        best = min(best, time.perf_counter() - start)
        cpu_best = min(cpu_best, time.process_time() - cpu_start)
    with torch.no_grad():
        acc = (model(XT).argmax(1) == YT).float().mean().item()
    return best, cpu_best, float(np.median(times)) * -(-len(X) // batch), acc


def run_numpy(x, y, xt, yt, batch, epochs):
    rng = np.random.default_rng(0)
    f32 = np.float32
    W1 = (rng.standard_normal((128, 784)) * np.sqrt(2 / 784)).astype(f32); b1 = np.zeros(128, f32)
    W2 = (rng.standard_normal((10, 128)) * np.sqrt(2 / 128)).astype(f32); b2 = np.zeros(10, f32)
    params = [W1, b1, W2, b2]
    vel = [np.zeros_like(p) for p in params]
    eye = np.eye(10, dtype=f32)
    best = cpu_best = float("inf")
    times = []
    for _ in range(epochs):
        start, cpu_start = time.perf_counter(), time.process_time()
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            t0 = time.perf_counter()
            idx = order[i:i + batch]
            X, T = x[idx], eye[y[idx]]
            Z1 = X @ W1.T + b1
            A1 = np.maximum(Z1, 0)
            Z2 = A1 @ W2.T + b2
            P = np.exp(Z2 - Z2.max(1, keepdims=True))
            P /= P.sum(1, keepdims=True)
            dZ2 = (P - T) / f32(len(idx))
            dA1 = dZ2 @ W2
            dZ1 = dA1 * (Z1 > 0)
            grads = [dZ1.T @ X, dZ1.sum(0), dZ2.T @ A1, dZ2.sum(0)]
            for p, v, g in zip(params, vel, grads):
                v *= f32(0.9); v += g
                p -= f32(0.01) * v
            times.append(time.perf_counter() - t0)
        best = min(best, time.perf_counter() - start)
        cpu_best = min(cpu_best, time.process_time() - cpu_start)
    A1 = np.maximum(xt @ W1.T + b1, 0)
    acc = float(((A1 @ W2.T + b2).argmax(1) == yt).mean())
    return best, cpu_best, float(np.median(times)) * -(-len(x) // batch), acc


def best_round(best, new):
    """The least wall, CPU and median times of two rounds of one run; the
    accuracy is the same in every round (same seeds), and nnet's weights must
    be bit-identical in all of them."""
    if best is None:
        return new
    merged = tuple(min(a, b) for a, b in zip(best[:3], new[:3])) + (new[3],)
    if len(new) > 4:
        merged += (new[4] if best[4] in (None, "yes") else best[4],)
    return merged


def max_rss_mb():
    exe = os.path.join(HERE, "bench")
    r = subprocess.run(["/usr/bin/time", "-v", exe, "--train", "--batch", "32", "--threads", "1", "--epochs", "1"],
                       capture_output=True, text=True)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    return int(m[1]) / 1024 if m else float("nan")


def svg(path, rows):
    """Horizontal bars of seconds per epoch, one group per batch size."""
    colours = {"nnet.h 1 thread": "#2b6cb0", "nnet.h 2 threads": "#63b3ed", "numpy + OpenBLAS": "#dd6b20",
               "PyTorch 1.13": "#c53030"}
    colours.update({f"{k} {bits}-bit": c for k, c in list(colours.items()) if k.startswith("nnet") for bits in (256, 512)})
    top = max(s for _, _, s in rows)
    width, left, bar, gap = 660, 190, 18, 4
    y, out = 40, []
    out.append(f'<text x="10" y="20" font-size="14" font-weight="bold">784-128-10, Fashion-MNIST: '
               f'seconds per epoch (median batch), lower is better</text>')
    for batch in (32, 128):
        out.append(f'<text x="10" y="{y + 12}" font-size="13" font-weight="bold">batch {batch}</text>')
        y += 18
        for b, name, s in rows:
            if b != batch:
                continue
            w = (width - left - 70) * s / top
            out.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end">{name}</text>')
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colours[name]}"/>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="12">{s:.3f} s</text>')
            y += bar + gap
        y += 12
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" font-family="sans-serif">\n'
                f'<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(out) + "\n</svg>\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3, help="epochs per run; the best epoch counts")
    ap.add_argument("--rounds", type=int, default=3, help="turns each run takes; the best round counts")
    ap.add_argument("--svg", help="also write the bar chart here")
    args = ap.parse_args()
    x, y = load("train")
    xt, yt = load("t10k")
    widths = builds()
    print(f"\n784-128-10 on Fashion-MNIST, SGD lr 0.01 momentum 0.9, best of {args.epochs} epochs in each of"
          f" {args.rounds} rounds, the runs taking turns (nnet, PyTorch, numpy, nnet, ...); the best round counts")
    print(f"FLOP per epoch {FLOP_PER_EPOCH / 1e9:.2f} G; the FLOP limit of each width is that at its one-core peak:")
    for exe, bits, peak in widths:
        print(f"  {os.path.basename(exe)}: {bits}-bit kernels, peak {peak:.1f} GFLOP/s, limit {FLOP_PER_EPOCH / peak / 1e9:.3f} s")
    nnet, torch_runs, numpy_runs = {}, {}, {}
    for _ in range(args.rounds):
        for exe, bits, _ in widths:
            for (batch, threads), r in run_nnet(exe, args.epochs).items():
                nnet[(bits, batch, threads)] = best_round(nnet.get((bits, batch, threads)), r)
        for batch in (32, 128):
            torch_runs[batch] = best_round(torch_runs.get(batch), run_torch(x, y, xt, yt, batch, args.epochs))
            numpy_runs[batch] = best_round(numpy_runs.get(batch), run_numpy(x, y, xt, yt, batch, args.epochs))
    rows = []
    print("wall = the best epoch's wall time; CPU = its CPU time (all threads); median = the median batch's")
    print("wall time x batches per epoch. CPU and median are the steadier ones on a shared machine.")
    print(f"\n{'batch':>5} {'run':<26} {'wall s':>7} {'CPU s':>7} {'median s':>8} {'test acc':>8}")
    for batch in (32, 128):
        runs = []
        for _, bits, _ in widths:
            for threads in (1, 2):
                t, c, m, a = nnet[(bits, batch, threads)][:4]
                runs.append((f"nnet.h {threads} thread{'s' if threads > 1 else ''} {bits}-bit", t, c, m, a))
        runs.append(("numpy + OpenBLAS",) + numpy_runs[batch])
        runs.append(("PyTorch 1.13",) + torch_runs[batch])
        for name, s, c, m, a in runs:
            print(f"{batch:>5} {name:<26} {s:7.3f} {c:7.3f} {m:8.3f} {a:8.4f}")
            rows.append((batch, name, m))
        ts, cs, ms, _ = torch_runs[batch]
        for _, bits, peak in widths:
            t1, c1, m1, _, _ = nnet[(bits, batch, 1)]
            t2, c2, m2, _, same = nnet[(bits, batch, 2)]
            limit = FLOP_PER_EPOCH / peak / 1e9
            print(f"{batch:>5}   {bits}-bit, nnet 1 thread / PyTorch: wall {t1 / ts:.2f}x, CPU {c1 / cs:.2f}x, median {m1 / ms:.2f}x;"
                  f" / FLOP limit ({limit:.3f} s): wall {t1 / limit:.2f}x, CPU {c1 / limit:.2f}x, median {m1 / limit:.2f}x")
            print(f"{batch:>5}   {bits}-bit, the FLOP limit / PyTorch (wall): {limit / ts:.2f}x, the least nnet's ratio to PyTorch can be here")
            print(f"{batch:>5}   {bits}-bit, nnet 2 threads / 1 thread: wall {t2 / t1:.2f}x, median {m2 / m1:.2f}x;"
                  f" weights bit-identical: {same}")
    print("kann + OpenBLAS: not a Debian package, not run here (measured by hand: docs/benchmarks.md)")
    rss = max_rss_mb()
    data_mb = 60000 * 784 * 4 / 2**20
    print(f"\npeak memory, bench --train --batch 32 --threads 1 --epochs 1 (train + test sets loaded):"
          f" {rss:.0f} MiB = {rss / data_mb:.2f}x the training images as float32 ({data_mb:.0f} MiB)")
    if args.svg:
        svg(args.svg, rows)
        print(f"wrote {args.svg}")


if __name__ == "__main__":
    sys.exit(main())
