/* bench/bench.c - how fast is nnet.h? (run by `make bench`)

   1. the machine's peak: a loop of independent FMAs, 256- and 512-bit, on
      one core and on both at once;
   2. GEMM GFLOP/s at an MLP's shapes: the reference triple loop, nnet's fast
      path on 1 and 2 threads and, when built with -DBENCH_CBLAS, OpenBLAS;
   3. seconds per epoch and test accuracy of a 784-128-10 ReLU/softmax net
      trained with SGD on Fashion-MNIST, at batch 32 and 128, 1 and 2 threads,
      and whether 1 and 2 threads give bit-identical weights;
   4. with --phases, the microseconds each step of a training batch takes,
      beside nnet_train's real loop (784-128-10 on 1 and 2 threads, 784-256-10
      on 1);
   5. with --adam, Adam's epoch against SGD with momentum's (784-128-10, or
      784-H-10 with --hidden H): the median of 5 rounds' ratios, each round
      the two back to back (the order alternating); with --peak, the
      one-core peak of the width this build's kernels use (for compare.py);
   6. with --load, training on 2 threads against 1 thread, on the machine as
      it is and with two busy processes (one per core) that it starts and
      stops itself: how nnet_train's team copes with a shared machine.
   `make bench` runs bench and bench-avx2 (-mno-avx512f, 256-bit kernels).

   Build:  cc -std=c99 -O2 -march=native -fopenmp -I. bench/bench.c -o bench/bench -lstb -lm
           (add -DBENCH_CBLAS ... -lopenblas for the OpenBLAS column)
   Run:    bench/bench [--gemm] [--train] [--phases] [--adam [--hidden H]] [--peak] [--load] [--epochs E] [--batch B] [--threads T]
                       [--data DIR]      (default /usr/share/datasets/fashion-mnist)
   With none of --gemm/--train/--phases/--adam/--peak/--load, --gemm and --train run.
   --batch/--threads pick one training run (for measuring memory with
   /usr/bin/time -v). */
#define _POSIX_C_SOURCE 200809L   /* fork, setsid, kill, waitpid, getppid for --load's busy processes */
#include <stb/stb_image.h>        /* lets nnet.h inflate the .gz IDX files (link -lstb) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef BENCH_CBLAS
#include <cblas.h>
#endif

/* ---- 1. Peak: 12 independent FMA chains, on one core and on two at once;
   the best and the median of 30 runs of a few ms (short runs, so that some of
   them escape the other processes on a shared machine). The two-core figure
   bounds what any 2-thread run can gain here: on a virtual machine the two
   cores may share a physical one with each other or with other guests. ---- */
#define PEAK_ITERS 1000000L
/* Twelve chains written out, so that they live in registers at -O2. */
#define PEAK_STEP(fma, m, a) \
    x0 = fma(x0, m, a); x1 = fma(x1, m, a); x2 = fma(x2, m, a); x3 = fma(x3, m, a); \
    x4 = fma(x4, m, a); x5 = fma(x5, m, a); x6 = fma(x6, m, a); x7 = fma(x7, m, a); \
    x8 = fma(x8, m, a); x9 = fma(x9, m, a); x10 = fma(x10, m, a); x11 = fma(x11, m, a)
/* One run of the loop on the calling thread; returns the FLOPs it did (0 when
   this width is not compiled in). */
static double peak_loop(int width) {
    double flops = 0.0;
    volatile float sink = 0.0f;
    long i;
    (void)i;
    if (width == 512) {
#ifdef __AVX512F__
        __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
        __m512 x0 = _mm512_set1_ps(0.0f), x1 = _mm512_set1_ps(1.0f), x2 = _mm512_set1_ps(2.0f),
               x3 = _mm512_set1_ps(3.0f), x4 = _mm512_set1_ps(4.0f), x5 = _mm512_set1_ps(5.0f),
               x6 = _mm512_set1_ps(6.0f), x7 = _mm512_set1_ps(7.0f), x8 = _mm512_set1_ps(8.0f),
               x9 = _mm512_set1_ps(9.0f), x10 = _mm512_set1_ps(10.0f), x11 = _mm512_set1_ps(11.0f);
        for (i = 0; i < PEAK_ITERS; i++) { PEAK_STEP(_mm512_fmadd_ps, m, a); }
        x0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x0, x1), _mm512_add_ps(x2, x3)),
                           _mm512_add_ps(_mm512_add_ps(x4, x5), _mm512_add_ps(x6, x7)));
        x0 = _mm512_add_ps(x0, _mm512_add_ps(_mm512_add_ps(x8, x9), _mm512_add_ps(x10, x11)));
        sink = _mm512_reduce_add_ps(x0);
        flops = 2.0 * 16 * 12 * PEAK_ITERS;
#endif
    } else {
#if defined(__AVX2__) && defined(__FMA__)
        __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
        __m256 x0 = _mm256_set1_ps(0.0f), x1 = _mm256_set1_ps(1.0f), x2 = _mm256_set1_ps(2.0f),
               x3 = _mm256_set1_ps(3.0f), x4 = _mm256_set1_ps(4.0f), x5 = _mm256_set1_ps(5.0f),
               x6 = _mm256_set1_ps(6.0f), x7 = _mm256_set1_ps(7.0f), x8 = _mm256_set1_ps(8.0f),
               x9 = _mm256_set1_ps(9.0f), x10 = _mm256_set1_ps(10.0f), x11 = _mm256_set1_ps(11.0f);
        float out[8];
        for (i = 0; i < PEAK_ITERS; i++) { PEAK_STEP(_mm256_fmadd_ps, m, a); }
        x0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)),
                           _mm256_add_ps(_mm256_add_ps(x4, x5), _mm256_add_ps(x6, x7)));
        x0 = _mm256_add_ps(x0, _mm256_add_ps(_mm256_add_ps(x8, x9), _mm256_add_ps(x10, x11)));
        _mm256_storeu_ps(out, x0);
        sink = out[0];
        flops = 2.0 * 8 * 12 * PEAK_ITERS;
#endif
    }
    (void)sink;
    return flops;
}
/* GFLOP/s of `threads` copies of the loop run at once (the wall time of the
   slowest): the best of 30 runs, and their median in *median. */
static double peak_gflops(int width, int threads, double *median) {
    double rate[30], flops = 0.0, best = 0.0;
    int rep, n = 0;
    for (rep = 0; rep < 30; rep++) {
        double start = nnet__seconds(), t;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : flops)
#endif
        flops += peak_loop(width);
        t = nnet__seconds() - start;
        if (flops > 0.0) rate[n++] = flops / t / 1e9;
        flops = 0.0;
    }
    for (rep = 1; rep < n; rep++) {   /* insertion sort: 30 numbers */
        double r = rate[rep];
        int k = rep;
        for (; k > 0 && rate[k - 1] > r; k--) rate[k] = rate[k - 1];
        rate[k] = r;
    }
    if (n) best = rate[n - 1];
    if (median) *median = n ? rate[n / 2] : 0.0;
    (void)threads;
    return best;
}

/* The time a cache line takes to go from one core to the other and back:
   two threads hand a flag back and forth 20,000 times. Every parallel
   region, barrier and row of a matrix that one thread writes and the other
   reads pays it. Returns 0 without OpenMP or with fewer than two cores. */
static double line_round_trip_ns(void) {
    double seconds = 0.0;
#ifdef _OPENMP
    static int flag;   /* written with OpenMP atomics only */
    const long n = 20000;
    if (omp_get_num_procs() < 2) return 0.0;
    flag = 0;
#pragma omp parallel num_threads(2)
    if (omp_get_num_threads() == 2) {
        int me = omp_get_thread_num(), seen;
        long i;
        double start;
#pragma omp barrier
        start = nnet__seconds();
        for (i = 0; i < n; i++) {
            do {
#pragma omp atomic read
                seen = flag;
            } while (seen != me);   /* wait for my turn */
#pragma omp atomic write
            flag = 1 - me;
        }
        if (me == 0) seconds = (nnet__seconds() - start) / (double)n;
    }
#endif
    return seconds * 1e9;
}

/* ---- 2. GEMM ---- */
static void fill(nnet_mat m, nnet_rng *rng) {
    size_t k, n = (size_t)m.rows * (size_t)m.cols;
    for (k = 0; k < n; k++) m.data[k] = nnet_rng_uniform(rng) - 0.5f;
}

enum { REFERENCE, FAST, CBLAS };
static void gemm_with(int how, int threads, nnet_transpose ta, nnet_transpose tb, float beta,
                      nnet_mat A, nnet_mat B, nnet_mat C) {
    if (how == REFERENCE) nnet_gemm_reference(ta, tb, 1.0f, A, B, beta, C);
    else if (how == FAST) {   /* each product in an OpenMP region of its own, as with more threads than cores */
        nnet__training_threads.threads = threads > 1 ? threads : 0;
        nnet__fast_gemm(ta, tb, 1.0f, A, B, beta, C);
        nnet__training_threads.threads = 0;
    }
#ifdef BENCH_CBLAS
    else cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                     C.rows, C.cols, ta ? A.rows : A.cols, 1.0f, A.data, A.cols, B.data, B.cols,
                     beta, C.data, C.cols);
#endif
}

/* GFLOP/s of one timed run of about 5 ms (50 us for the reference). */
static double gemm_run(int how, int threads, nnet_transpose ta, nnet_transpose tb, float beta,
                       nnet_mat A, nnet_mat B, nnet_mat C) {
    double flop = 2.0 * C.rows * C.cols * (ta ? A.rows : A.cols), start, t;
    int reps = (int)((how == REFERENCE ? 5e6 : 5e8) / flop) + 1, r;
    start = nnet__seconds();
    for (r = 0; r < reps; r++) gemm_with(how, threads, ta, tb, beta, A, B, C);
    t = nnet__seconds() - start;
    return flop * reps / t / 1e9;
}

/* The table is measured in 25 rounds, each one timed run of every product
   on every path and one of the peak loop, and each figure is the best of
   its rounds: a busy spell on the shared host, which lasts a second or
   so, then costs every row one round instead of costing one row all of
   them, and the peak is measured across the same seconds. The reference
   runs in the first 5 rounds only, and not at all where one product takes
   over 0.2 s. Returns the peak. */
#define GEMM_ROUNDS 25
static double gemm_table(int width, double peak) {
    /* name, M, N, K, trans A, trans B, beta: the three products of a layer */
    static const struct { const char *what; int M, N, K, ta, tb; float beta; } s[] = {
        {"fwd  X W^T   B=16", 16, 128, 784, 0, 1, 0}, {"dW  dZ^T X   B=16", 128, 784, 16, 1, 0, 1},
        {"fwd  X W^T   B=32", 32, 128, 784, 0, 1, 0}, {"dW  dZ^T X   B=32", 128, 784, 32, 1, 0, 1},
        {"dW  beta=0   B=32", 128, 784, 32, 1, 0, 0},
        {"fwd  X W^T  B=128", 128, 128, 784, 0, 1, 0}, {"dW  dZ^T X  B=128", 128, 784, 128, 1, 0, 1},
        {"fwd  X W^T  B=256", 256, 128, 784, 0, 1, 0}, {"dW  dZ^T X  B=256", 128, 784, 256, 1, 0, 1},
        {"fwd 128->10  B=32", 32, 10, 128, 0, 1, 0}, {"dW  128->10  B=32", 10, 128, 32, 1, 0, 1},
        {"dX  128->10  B=32", 32, 128, 10, 0, 0, 0},
        {"fwd 2048^2  B=256", 256, 2048, 2048, 0, 1, 0}, {"dW  2048^2  B=256", 2048, 2048, 256, 1, 0, 1},
        {"dW  beta=0 2048^2", 2048, 2048, 256, 1, 0, 0},
        {"dX  2048^2  B=256", 256, 2048, 2048, 0, 0, 0},
    };
    enum { ROWS = sizeof s / sizeof s[0] };
    static nnet_mat A[ROWS], B[ROWS], C[ROWS];
    double best[ROWS][4] = {{0}};   /* reference, nnet 1 thread, nnet 2 threads, OpenBLAS */
    size_t i;
    int round, how;
    nnet_rng rng;
    nnet_rng_seed(&rng, 1);
    for (i = 0; i < ROWS; i++) {
        A[i] = s[i].ta ? nnet_mat_create(s[i].K, s[i].M) : nnet_mat_create(s[i].M, s[i].K);
        B[i] = s[i].tb ? nnet_mat_create(s[i].N, s[i].K) : nnet_mat_create(s[i].K, s[i].N);
        C[i] = nnet_mat_create(s[i].M, s[i].N);
        fill(A[i], &rng); fill(B[i], &rng); fill(C[i], &rng);
    }
    for (round = 0; round < GEMM_ROUNDS; round++) {
        double p = peak_gflops(width, 1, NULL);
        if (p > peak) peak = p;
        for (i = 0; i < ROWS; i++) {
            nnet_transpose ta = s[i].ta ? NNET_TRANS : NNET_NO_TRANS, tb = s[i].tb ? NNET_TRANS : NNET_NO_TRANS;
            double flop = 2.0 * s[i].M * s[i].N * s[i].K;
            for (how = 0; how < 4; how++) {
                double r;
                if (how == 0 && (round >= 5 || flop > 2e8)) continue;
#ifndef BENCH_CBLAS
                if (how == 3) continue;
#endif
                if (round == 0) gemm_with(how == 3 ? CBLAS : how ? FAST : REFERENCE, how == 2 ? 2 : 1, ta, tb,
                                          s[i].beta, A[i], B[i], C[i]);   /* warm up */
                r = gemm_run(how == 3 ? CBLAS : how ? FAST : REFERENCE, how == 2 ? 2 : 1, ta, tb, s[i].beta, A[i],
                             B[i], C[i]);
                if (r > best[i][how]) best[i][how] = r;
            }
        }
    }
    printf("\nGEMM, GFLOP/s, best of %d rounds (fraction of the 1-core peak %.0f GFLOP/s, the best of the\n"
           "start and of a peak run in every round)\n", GEMM_ROUNDS, peak);
    printf("%-18s %15s %10s %14s %10s %14s\n", "product", "M x N x K", "reference", "nnet 1 thread", "nnet 2 thr",
           "OpenBLAS 1 thr");
    for (i = 0; i < ROWS; i++) {
        char dims[32];
        snprintf(dims, sizeof dims, "%dx%dx%d", s[i].M, s[i].N, s[i].K);
        if (best[i][0] > 0.0) printf("%-18s %15s %10.1f", s[i].what, dims, best[i][0]);
        else printf("%-18s %15s %10s", s[i].what, dims, "-");
        printf(" %7.1f (%3.0f%%) %10.1f", best[i][1], 100.0 * best[i][1] / peak, best[i][2]);
        if (best[i][3] > 0.0) printf(" %7.1f (%3.0f%%)\n", best[i][3], 100.0 * best[i][3] / peak);
        else printf(" %14s\n", "n/a");
        nnet_mat_free(&A[i]); nnet_mat_free(&B[i]); nnet_mat_free(&C[i]);
    }
    return peak;
}

/* ---- 3. Training on Fashion-MNIST ---- */
/* Two steadier clocks for a shared machine, read by the progress callback:
   the CPU seconds of each epoch (for 1 thread), and the wall time of every
   batch, whose median times the number of batches estimates an epoch free
   of the moments when another process held the core. */
#define MAX_BATCHES (64 * 4096)
typedef struct { double last, best, batch_end; int n; float *batch; } clocks;
static int on_progress(const nnet_progress *p, void *user) {
    clocks *c = (clocks *)user;
    if (p->end_of_epoch) {
        double now = (double)clock() / CLOCKS_PER_SEC;
        if (now - c->last < c->best) c->best = now - c->last;
        c->last = now;
        c->batch_end = 0.0;
    } else {
        if (c->n < MAX_BATCHES) c->batch[c->n++] = (float)(p->seconds - c->batch_end);
        c->batch_end = p->seconds;
    }
    return 0;
}
static int by_value(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Train a fresh 784-hidden-10 net (same seed every time) and report the best
   epoch's wall and CPU time and the test accuracy. The weights are copied to
   `weights`. */
static int train_once(const nnet_dataset *train, const nnet_dataset *test, int hidden, int batch, int threads, int epochs,
                      nnet_optimizer_kind optimizer, float *weights, double *seconds, double *cpu_seconds,
                      double *median_seconds, double *accuracy) {
    nnet_desc d;
    nnet_train_desc t;
    nnet_epoch_stats history[64];
    nnet *net;
    clocks cpu;
    double loss;
    int e, status;
    memset(&d, 0, sizeof d);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = hidden; d.sizes[1] = 10; d.seed = 42;
    memset(&t, 0, sizeof t);
    t.epochs = epochs; t.batch_size = batch; t.seed = 7; t.threads = threads; t.optimizer = optimizer;
    t.learning_rate = optimizer == NNET_SGD ? 0.01f : 0.001f; t.momentum = optimizer == NNET_SGD ? 0.9f : 0.0f;
    t.progress = on_progress; t.user_data = &cpu;
    if (!(net = nnet_create(&d))) { fprintf(stderr, "bench: %s\n", nnet_error()); return 1; }
    cpu.best = 1e30; cpu.last = (double)clock() / CLOCKS_PER_SEC; cpu.batch_end = 0.0; cpu.n = 0;
    if (!(cpu.batch = (float *)malloc(MAX_BATCHES * sizeof(float)))) { nnet_free(net); return 1; }
    if ((status = nnet_train(net, train, NULL, &t, history, NULL)) != NNET_OK ||
        (status = nnet_evaluate(net, test, &loss, accuracy)) != NNET_OK) {
        fprintf(stderr, "bench: %s\n", nnet_error()); nnet_free(net); free(cpu.batch); return 1;
    }
    qsort(cpu.batch, (size_t)cpu.n, sizeof(float), by_value);
    *median_seconds = cpu.n ? cpu.batch[cpu.n / 2] * (double)((train->inputs.rows + batch - 1) / batch) : 0.0;
    free(cpu.batch);
    *cpu_seconds = cpu.best;
    *seconds = history[0].seconds;
    for (e = 1; e < epochs; e++) if (history[e].seconds < *seconds) *seconds = history[e].seconds;
    if (weights) memcpy(weights, net->parameters, net->n_parameters * sizeof(float));
    nnet_free(net);
    return 0;
}

/* ---- 4. Where a batch's time goes (--phases) ----
   nnet_train's batch loop written out with a clock around each step, on the
   same calls in the same order (no augmentation, dropout or L2 here), so
   that 1 and 2 threads can be compared step by step. It runs twice: as
   nnet_train runs it (the fast build fuses the step into the backward pass:
   "backward+step") and with the two apart (nnet_backward, then
   nnet_optimizer_step). Both end with the weights of nnet_train, compared
   bit for bit, which checks that the loop below is still the one nnet_train
   runs. Beside them, nnet_train itself: its best epoch per batch, the real
   loop, against the sum of the fused phases. Times are per batch, from the
   epoch with the least total; the three runs take turns, twice. */
enum { GATHER, FORWARD, LOSS, BACKWARD, STEP, PHASES };
typedef struct {
    nnet *net;
    const nnet_dataset *train;
    const nnet_train_desc *desc;
    nnet_mat X, T;
    int *order, epochs, fused;
    double best[PHASES], best_total;
} timed_run;

/* The epochs, on thread 0 of the team. */
static void timed_epochs(timed_run *r) {
    nnet *net = r->net;
    int N = r->train->inputs.rows, batch = r->X.rows, batches = (N + batch - 1) / batch, i, e, b, k;
    long correct = 0;
    nnet_rng_seed(&net->rng, r->desc->seed);
    nnet_zero_grad(net);
    for (e = 0; e < r->epochs; e++) {
        double spent[PHASES] = {0}, total = 0.0, loss;
        float lr = nnet_learning_rate(r->desc, e);
        for (i = 0; i < N; i++) r->order[i] = i;
        for (i = N - 1; i > 0; i--) {   /* nnet_train's Fisher-Yates */
            int j = (int)nnet_rng_below(&net->rng, (uint32_t)i + 1), swap = r->order[i];
            r->order[i] = r->order[j]; r->order[j] = swap;
        }
        for (b = 0; b < batches; b++) {
            int rows = nnet__min(batch, N - b * batch);
            nnet_mat X = nnet__rows(r->X, rows), T = nnet__rows(r->T, rows);
            double c0 = nnet__seconds(), c1, c2, c3, c4;
            nnet__fast_gather(X, T, r->train, r->order, b * batch);
            c1 = nnet__seconds();
            nnet_forward(net, X, 1, &net->rng);
            c2 = nnet__seconds();
            nnet_loss_value(net, T, 0.0f, &loss);
            correct += nnet__correct(nnet_output(net), T, NNET__ACCURACY_ARGMAX);
            c3 = nnet__seconds();
#ifndef NNET_USE_CBLAS
            if (r->fused) {
                nnet__backward_and_step(net, X, T, r->desc, lr);
                c4 = nnet__seconds();
            } else
#endif
            {
                nnet_backward(net, X, T, 0.0f);
                c4 = nnet__seconds();
                nnet_optimizer_step(net, r->desc, lr);
                nnet_zero_grad(net);
            }
            spent[GATHER] += c1 - c0; spent[FORWARD] += c2 - c1; spent[LOSS] += c3 - c2;
            spent[BACKWARD] += c4 - c3; spent[STEP] += nnet__seconds() - c4;
        }
        for (k = 0; k < PHASES; k++) total += spent[k];
        if (total < r->best_total) { r->best_total = total; memcpy(r->best, spent, sizeof spent); }
    }
    if (correct < 0) printf("\n");   /* keep the count: nnet_train counts it too */
}

static void timed_epochs_run(void *r) { timed_epochs((timed_run *)r); }

/* On a team set up as nnet__train_on_team sets it up. */
static void timed_on_team(timed_run *r, int threads) { nnet__with_threads(threads, timed_epochs_run, r); }

static int phases(const nnet_dataset *train, int batch, int threads, int epochs, int hidden) {
    nnet_desc d;
    nnet_train_desc t;
    nnet_epoch_stats history[64];
    nnet *reference = NULL;
    timed_run r[2];
    int N = train->inputs.rows, batches = (N + batch - 1) / batch, same[2] = {1, 1}, round, k, e, status = 0;
    double real = 1e30;
    memset(&d, 0, sizeof d);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = hidden; d.sizes[1] = 10; d.seed = 42;
    memset(&t, 0, sizeof t);
    t.epochs = epochs; t.batch_size = batch; t.learning_rate = 0.01f; t.momentum = 0.9f;
    t.seed = 7; t.threads = threads;
    memset(r, 0, sizeof r);
    for (k = 0; k < 2; k++) {
        r[k].X = nnet_mat_create(batch, 784);
        r[k].T = nnet_mat_create(batch, 10);
        r[k].order = (int *)malloc((size_t)N * sizeof(int));
        r[k].train = train; r[k].epochs = epochs; r[k].desc = &t; r[k].fused = !k; r[k].best_total = 1e30;
        if (!r[k].X.data || !r[k].T.data || !r[k].order) { fprintf(stderr, "bench: out of memory\n"); return 1; }
    }
    for (round = 0; round < 2 && !status; round++) {
        for (k = 0; k < 2 && !status; k++) {
            nnet_free(r[k].net);
            if (!(r[k].net = nnet_create(&d)) || nnet_reserve(r[k].net, batch) != NNET_OK) status = 1;
            else timed_on_team(&r[k], threads);
        }
        nnet_free(reference);
        if (status || !(reference = nnet_create(&d)) || nnet_train(reference, train, NULL, &t, history, NULL) != NNET_OK) {
            fprintf(stderr, "bench: %s\n", nnet_error()); status = 1; break;
        }
        for (e = 0; e < epochs; e++) if (history[e].seconds < real) real = history[e].seconds;
        for (k = 0; k < 2; k++) same[k] &= !memcmp(r[k].net->parameters, reference->parameters, reference->n_parameters * sizeof(float));
    }
    if (!status) {
        const timed_run *f = &r[0], *u = &r[1];
        printf("phases 784-%d-10 batch=%d threads=%d: real_loop=%.1f sum=%.1f real_over_sum=%.3f"
               " | fused: gather=%.1f forward=%.1f loss=%.1f backward+step=%.1f"
               " | apart: sum=%.1f backward=%.1f step=%.1f | weights_identical_to_nnet_train=%s\n",
               hidden, batch, threads, 1e6 * real / batches, 1e6 * f->best_total / batches, real / f->best_total,
               1e6 * f->best[GATHER] / batches, 1e6 * f->best[FORWARD] / batches, 1e6 * f->best[LOSS] / batches,
               1e6 * (f->best[BACKWARD] + f->best[STEP]) / batches, 1e6 * u->best_total / batches,
               1e6 * u->best[BACKWARD] / batches, 1e6 * u->best[STEP] / batches, same[0] && same[1] ? "yes" : "no");
    }
    for (k = 0; k < 2; k++) { nnet_free(r[k].net); nnet_mat_free(&r[k].X); nnet_mat_free(&r[k].T); free(r[k].order); }
    nnet_free(reference);
    return status || !same[0] || !same[1];
}

/* ---- 6. Sharing the machine (--load) ----
   LOAD_EPOCHS epochs (batch 32) on 1 thread and on 2, taking turns, ROUNDS
   times, each run timed whole (its slow epochs count, as a user waits them):
   first as the machine is, then beside BUSY processes that only spin, which
   this program starts and stops (each in a session of its own, as another
   program would be, so that Linux's autogroups treat it as one). Each
   round's 2-thread epoch is divided by the 1-thread epoch next to it, so
   both saw the same neighbours; the median of those ratios is printed with
   the lowest and highest. */
#define ROUNDS 11
#define LOAD_EPOCHS 3
#define BUSY 2
static pid_t start_busy(void) {
    pid_t parent = getpid(), child = fork();
    if (child == 0) {   /* spin; check now and then that the bench still runs */
        volatile unsigned long x = 0;
        setsid();
        for (;;) {
            unsigned long i;
            for (i = 0; i < 100000000ul; i++) x++;
            if (getppid() != parent) _exit(0);
        }
    }
    return child;
}
static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int load(const nnet_dataset *train, const nnet_dataset *test) {
    pid_t busy[BUSY];
    int busy_count, round, k;
    for (busy_count = 0; busy_count <= BUSY; busy_count += BUSY) {
        double one[ROUNDS], two[ROUNDS], ratio[ROUNDS], cpu, median, accuracy;
        for (k = 0; k < busy_count; k++) if ((busy[k] = start_busy()) < 0) { perror("bench: fork"); return 1; }
        for (round = 0; round < ROUNDS; round++) {
            double begin = nnet__seconds(), best;
            if (train_once(train, test, 128, 32, 1, LOAD_EPOCHS, NNET_SGD, NULL, &best, &cpu, &median, &accuracy)) break;
            one[round] = (nnet__seconds() - begin) / LOAD_EPOCHS;
            begin = nnet__seconds();
            if (train_once(train, test, 128, 32, 2, LOAD_EPOCHS, NNET_SGD, NULL, &best, &cpu, &median, &accuracy)) break;
            two[round] = (nnet__seconds() - begin) / LOAD_EPOCHS;
            ratio[round] = two[round] / one[round];
        }
        for (k = 0; k < busy_count; k++) { kill(busy[k], SIGKILL); waitpid(busy[k], NULL, 0); }
        if (round < ROUNDS) return 1;
        qsort(one, ROUNDS, sizeof(double), by_double);
        qsort(two, ROUNDS, sizeof(double), by_double);
        qsort(ratio, ROUNDS, sizeof(double), by_double);
        printf("load busy_processes=%d epoch_seconds_1_thread=%.3f epoch_seconds_2_threads=%.3f"
               " two_over_one=%.2f (lowest %.2f, highest %.2f; medians of %d rounds of %d epochs)\n", busy_count,
               one[ROUNDS / 2], two[ROUNDS / 2], ratio[ROUNDS / 2], ratio[0], ratio[ROUNDS - 1], ROUNDS, LOAD_EPOCHS);
    }
    return 0;
}

#define ADAM_ROUNDS 5   /* --adam: rounds of SGD with momentum and Adam back to back */

int main(int argc, char **argv) {
    const char *dir = "/usr/share/datasets/fashion-mnist";
    int do_gemm = 0, do_train = 0, do_phases = 0, do_adam = 0, do_peak = 0, do_load = 0, epochs = 3, only_batch = 0, only_threads = 0, adam_hidden = 128, i, b, t;
    double peak256, peak512;
    setvbuf(stdout, NULL, _IOLBF, 0);   /* line by line, also into a pipe */
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--gemm")) do_gemm = 1;
        else if (!strcmp(argv[i], "--train")) do_train = 1;
        else if (!strcmp(argv[i], "--phases")) do_phases = 1;
        else if (!strcmp(argv[i], "--adam")) do_adam = 1;
        else if (!strcmp(argv[i], "--peak")) do_peak = 1;
        else if (!strcmp(argv[i], "--load")) do_load = 1;
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) only_batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) only_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--hidden") && i + 1 < argc && atoi(argv[i + 1]) > 0) adam_hidden = atoi(argv[++i]);
        else { fprintf(stderr, "usage: %s [--gemm] [--train] [--phases] [--adam [--hidden H]] [--peak] [--load] [--epochs E] [--batch B] [--threads T] [--data DIR]\n", argv[0]); return 2; }
    }
    if (!do_gemm && !do_train && !do_phases && !do_adam && !do_peak && !do_load) do_gemm = do_train = 1;
    if (do_peak)   /* for compare.py: the FLOP limit of the width this build's kernels use */
        printf("peak kernel_bits=%d gflops=%.1f\n", NNET__VL == 16 ? 512 : 256, peak_gflops(NNET__VL == 16 ? 512 : 256, 1, NULL));
    if (epochs < 1 || epochs > 64) epochs = 3;
    if (do_gemm) {
        int width = NNET__VL == 16 ? 512 : 256;
        double median1, median2, best2, round_trip;
        peak256 = peak_gflops(256, 1, NULL);
        peak512 = peak_gflops(512, 1, NULL);
        printf("peak (one core, FMA loop): %.1f GFLOP/s with 256-bit AVX2, %.1f GFLOP/s with 512-bit AVX-512\n",
               peak256, peak512);
        printf("nnet's kernels use %d-bit vectors; percentages below are of that width's peak\n", width);
#ifdef _OPENMP
        /* Measured back to back, so that both see the same neighbours. */
        peak_gflops(width, 1, &median1);
        best2 = peak_gflops(width, 2, &median2);
        printf("two cores at once, %d-bit: best %.1f GFLOP/s; median %.1f GFLOP/s against one core's median %.1f,"
               " (%.2fx):\n  compute-bound work on 2 threads takes at least %.2f of its 1-thread time on this machine now\n",
               width, best2, median2, median1, median2 / median1, median1 / median2);
#else
        (void)median1; (void)median2; (void)best2;
#endif
        if ((round_trip = line_round_trip_ns()) > 0.0)
            printf("a cache line from one core to the other and back: %.0f ns\n", round_trip);
        gemm_table(width, width == 512 ? peak512 : peak256 > 0 ? peak256 : 1.0);
    }
    if (do_phases) {
        nnet_dataset *train = NULL, *test = NULL;
        int batch = only_batch ? only_batch : 32, status = 0;
        if (nnet_dataset_load_mnist(dir, &train, &test) != NNET_OK) { fprintf(stderr, "bench: %s\n", nnet_error()); return 1; }
        printf("\nmicroseconds per batch in each step of nnet_train's loop, %d-bit kernels (best of %d epochs, 2 rounds):\n",
               NNET__VL == 16 ? 512 : 256, epochs);
        for (t = 1; t <= 2 && !status; t++)
            if (!only_threads || t == only_threads) status = phases(train, batch, t, epochs, 128);
        if (!status && (!only_threads || only_threads == 1)) status = phases(train, batch, 1, epochs, 256);
        nnet_dataset_free(train); nnet_dataset_free(test);
        if (status) return 1;
    }
    if (do_adam) {   /* Adam's epoch against SGD with momentum's, back to back: batch 32, 1 thread */
        nnet_dataset *train = NULL, *test = NULL;
        double best[2] = {1e30, 1e30}, ratio[ADAM_ROUNDS], seconds, cpu_seconds, median_seconds[2], accuracy[2];
        int round, k;
        if (nnet_dataset_load_mnist(dir, &train, &test) != NNET_OK) { fprintf(stderr, "bench: %s\n", nnet_error()); return 1; }
        for (round = 0; round < ADAM_ROUNDS; round++) {
            for (i = 0; i < 2; i++) {
                k = (round + i) % 2;   /* SGD first, then Adam first: a drift of the host counts both ways */
                if (train_once(train, test, adam_hidden, 32, 1, epochs, k ? NNET_ADAM : NNET_SGD, NULL, &seconds, &cpu_seconds,
                               &median_seconds[k], &accuracy[k])) return 1;
                if (median_seconds[k] < best[k]) best[k] = median_seconds[k];
            }
            ratio[round] = median_seconds[1] / median_seconds[0];
        }
        qsort(ratio, ADAM_ROUNDS, sizeof(double), by_double);
        printf("\n784-%d-10, epoch, batch 32, 1 thread, %d-bit kernels (median batch x batches), %d rounds of the two back to back:\n"
               "adam sgd_momentum_seconds=%.4f adam_seconds=%.4f adam_over_sgd=%.3f (lowest %.3f, highest %.3f; seconds: the best"
               " round, ratio: the median round) accuracy_sgd=%.4f accuracy_adam=%.4f\n",
               adam_hidden, NNET__VL == 16 ? 512 : 256, ADAM_ROUNDS, best[0], best[1], ratio[ADAM_ROUNDS / 2], ratio[0], ratio[ADAM_ROUNDS - 1],
               accuracy[0], accuracy[1]);
        nnet_dataset_free(train); nnet_dataset_free(test);
    }
    if (do_load) {
        nnet_dataset *train = NULL, *test = NULL;
        int status;
        if (nnet_dataset_load_mnist(dir, &train, &test) != NNET_OK) { fprintf(stderr, "bench: %s\n", nnet_error()); return 1; }
        printf("\n%d epochs of 784-128-10 at batch 32 on %d images (seconds per epoch), 2 threads against 1,"
               " alone and beside %d busy processes:\n", LOAD_EPOCHS, train->inputs.rows, BUSY);
        status = load(train, test);
        nnet_dataset_free(train); nnet_dataset_free(test);
        if (status) return 1;
    }
    if (do_train) {
        static const int batches[2] = {32, 128}, thread_counts[2] = {1, 2};
        nnet_dataset *train = NULL, *test = NULL;
        float *w1 = (float *)malloc(101770 * sizeof(float)), *w2 = (float *)malloc(101770 * sizeof(float));
        if (nnet_dataset_load_mnist(dir, &train, &test) != NNET_OK) { fprintf(stderr, "bench: %s\n", nnet_error()); return 1; }
        if (!w1 || !w2) return 1;
        printf("\n784-128-10 ReLU/softmax, SGD lr 0.01 momentum 0.9, %d epochs on %d Fashion-MNIST images; best epoch\n",
               epochs, train->inputs.rows);
#ifndef _OPENMP
        printf("(built without OpenMP: the 2-thread runs are serial)\n");
#endif
        for (b = 0; b < 2; b++) {
            if (only_batch && batches[b] != only_batch) continue;
            for (t = 0; t < 2; t++) {
                double seconds, cpu_seconds, median_seconds, accuracy;
                if (only_threads && thread_counts[t] != only_threads) continue;
                if (train_once(train, test, 128, batches[b], thread_counts[t], epochs, NNET_SGD, t ? w2 : w1, &seconds,
                               &cpu_seconds, &median_seconds, &accuracy)) return 1;
                printf("train batch=%d threads=%d seconds_per_epoch=%.4f cpu_seconds_per_epoch=%.4f"
                       " median_batch_seconds_per_epoch=%.4f test_accuracy=%.4f",
                       batches[b], thread_counts[t], seconds, cpu_seconds, median_seconds, accuracy);
                if (t == 1 && !only_threads)
                    printf(" weights_identical_to_1_thread=%s", memcmp(w1, w2, 101770 * sizeof(float)) ? "no" : "yes");
                printf("\n");
                fflush(stdout);
            }
        }
        free(w1); free(w2);
        nnet_dataset_free(train); nnet_dataset_free(test);
    }
    return 0;
}
