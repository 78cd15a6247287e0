/* tests/test_gemm_fast.c - Part III against Part I: nnet's GEMM kernels
   (SIMD or, in tests/test_gemm_portable.c, portable C) against
   nnet_gemm_reference, the vectorised optimiser steps against their formulas, and bit-identical training on 1, 2
   and 3 threads (built with -fopenmp; without it the thread counts all run
   serially and the check still holds). */
#ifndef TEST_NAME
#define TEST_NAME "test_gemm_fast"
#endif
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

/* Run Part III's jobs on `threads` threads (each job in an OpenMP region of
   its own), as nnet_train sets it up for its call. */
static void use_threads(int threads) {
    nnet__training_threads.threads = threads > 1 ? threads : 0;
    nnet__training_threads.team = NULL;
}

static void fill(nnet_mat m, nnet_rng *rng) {
    size_t k, n = (size_t)m.rows * (size_t)m.cols;
    for (k = 0; k < n; k++) m.data[k] = 2.0f * nnet_rng_uniform(rng) - 1.0f;
}

/* Largest |fast - reference| relative to the size of the terms summed. */
static double gemm_error(nnet_transpose ta, nnet_transpose tb, int M, int N, int K, float alpha, float beta,
                         int threads, nnet_rng *rng) {
    nnet_mat A = ta ? nnet_mat_create(K, M) : nnet_mat_create(M, K);
    nnet_mat B = tb ? nnet_mat_create(N, K) : nnet_mat_create(K, N);
    nnet_mat C = nnet_mat_create(M, N), R = nnet_mat_create(M, N);
    double worst = 0.0;
    size_t k;
    fill(A, rng); fill(B, rng); fill(C, rng);
    memcpy(R.data, C.data, (size_t)M * N * sizeof(float));
    if (beta == 0.0f) for (k = 0; k < (size_t)M * N; k++) C.data[k] = NAN;   /* beta = 0 must not read C */
    use_threads(threads);
    nnet__fast_gemm(ta, tb, alpha, A, B, beta, C);
    use_threads(1);
    nnet_gemm_reference(ta, tb, alpha, A, B, beta, R);
    for (k = 0; k < (size_t)M * N; k++) {
        double err = fabs(C.data[k] - R.data[k]) / (1.0 + K * fabs(alpha));
        if (!(err <= worst)) worst = err;   /* NaN counts as the worst */
    }
    nnet_mat_free(&A); nnet_mat_free(&B); nnet_mat_free(&C); nnet_mat_free(&R);
    return worst;
}

static void test_gemm_matches_reference(void) {
    static const int sizes[] = {1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 47, 64, 65};
    static const float alphas[] = {1.0f, -0.5f, 2.0f}, betas[] = {0.0f, 1.0f, 0.25f};
    nnet_rng rng;
    int t, bad = 0;
    nnet_rng_seed(&rng, 1);
    for (t = 0; t < 400; t++) {
        int M = sizes[nnet_rng_below(&rng, 14)], N = sizes[nnet_rng_below(&rng, 14)], K = sizes[nnet_rng_below(&rng, 14)];
        nnet_transpose ta = (nnet_transpose)(t & 1), tb = (nnet_transpose)((t >> 1) & 1);
        float alpha = alphas[t % 3], beta = betas[(t / 3) % 3];
        double err = gemm_error(ta, tb, M, N, K, alpha, beta, 1 + t % 3, &rng);
        if (!(err < 1e-6)) {
            if (bad++ < 5) printf("  %s%s M=%d N=%d K=%d alpha=%g beta=%g: error %g\n", ta ? "T" : "N", tb ? "T" : "N",
                                  M, N, K, (double)alpha, (double)beta, err);
        }
    }
    CHECK(bad == 0);
    /* the layer shapes themselves, and a K of 0 (C = beta C) */
    CHECK(gemm_error(NNET_NO_TRANS, NNET_TRANS, 32, 128, 784, 1.0f, 0.0f, 2, &rng) < 1e-6);
    CHECK(gemm_error(NNET_TRANS, NNET_NO_TRANS, 128, 784, 32, 1.0f, 1.0f, 2, &rng) < 1e-6);
    CHECK(gemm_error(NNET_NO_TRANS, NNET_NO_TRANS, 32, 784, 128, 1.0f, 0.0f, 2, &rng) < 1e-6);
    {   /* K = 0: C = beta C */
        float a[1] = {7}, c[6] = {1, 2, 3, 4, 5, 6};
        int k, ok = 1;
        nnet__fast_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, nnet_mat_view(2, 0, a), nnet_mat_view(0, 3, a), 0.5f,
                        nnet_mat_view(2, 3, c));
        for (k = 0; k < 6; k++) ok &= c[k] == 0.5f * (float)(k + 1);
        CHECK(ok);
    }
}

static void test_gemm_public_entry(void) {
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4] = {9, 9, 9, 9};
    nnet_mat A = nnet_mat_view(2, 3, a), B = nnet_mat_view(3, 2, b), C = nnet_mat_view(2, 2, c);
    CHECK_STATUS(nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, A, B, 0.0f, C), NNET_OK);
    CHECK(c[0] == 4 && c[1] == 5 && c[2] == 10 && c[3] == 11);   /* [1 2 3; 4 5 6] [1 0; 0 1; 1 1] */
    CHECK_ERROR(nnet_gemm(NNET_NO_TRANS, NNET_TRANS, 1.0f, A, B, 0.0f, C), NNET_ERR_ARGUMENT, "nnet_gemm");
}

/* Every thread count gives the same bits: each element has one owner. */
static void test_gemm_threads_bit_identical(void) {
    nnet_rng rng;
    int t, threads, same = 1;
    nnet_rng_seed(&rng, 3);
    for (t = 0; t < 12; t++) {
        int M = 1 + (int)nnet_rng_below(&rng, 300), N = 1 + (int)nnet_rng_below(&rng, 300), K = 1 + (int)nnet_rng_below(&rng, 300);
        nnet_transpose ta = (nnet_transpose)(t % 2 && t % 3), tb = (nnet_transpose)(t % 3 == 0);
        nnet_mat A = ta ? nnet_mat_create(K, M) : nnet_mat_create(M, K);
        nnet_mat B = tb ? nnet_mat_create(N, K) : nnet_mat_create(K, N);
        nnet_mat C1 = nnet_mat_create(M, N), Cn = nnet_mat_create(M, N);
        fill(A, &rng); fill(B, &rng);
        nnet__fast_gemm(ta, tb, 1.0f, A, B, 0.0f, C1);
        for (threads = 2; threads <= 3; threads++) {
            use_threads(threads);
            nnet__fast_gemm(ta, tb, 1.0f, A, B, 0.0f, Cn);
            use_threads(1);
            same &= memcmp(C1.data, Cn.data, (size_t)M * N * sizeof(float)) == 0;
        }
        nnet_mat_free(&A); nnet_mat_free(&B); nnet_mat_free(&C1); nnet_mat_free(&Cn);
    }
    CHECK(same);
}

/* When op(B) is larger than NNET__PACK_BYTES (and beta = 0), its column
   panels are copied NNET__KC rows at a time (nnet__gemm_packed). Shapes with
   edge tiles and K past one block or under it: right against the
   reference on 1 and 2 threads, and bit for bit the same
   as the two halves of B's columns multiplied apart, each small enough not
   to be packed: every sum keeps its order across the blocks. 400 rows: more
   than one chunk of rows (nnet__gemm_block). */
static void test_gemm_packed(void) {
    static const struct { int M, N, K, ta; } s[] = {{37, 1030, 300, 0}, {19, 700, 520, 1}, {9, 8200, 40, 0}, {400, 1030, 300, 0}};
    nnet_rng rng;
    int t;
    nnet_rng_seed(&rng, 5);
    for (t = 0; t < 4; t++) {
        int M = s[t].M, N = s[t].N, K = s[t].K, half = N / 2, i, k;
        nnet_transpose ta = (nnet_transpose)s[t].ta;
        nnet_mat A = ta ? nnet_mat_create(K, M) : nnet_mat_create(M, K), B = nnet_mat_create(K, N);
        nnet_mat C = nnet_mat_create(M, N), BL = nnet_mat_create(K, half), BR = nnet_mat_create(K, N - half);
        nnet_mat CL = nnet_mat_create(M, half), CR = nnet_mat_create(M, N - half);
        int same = 1;
        CHECK((double)K * N * sizeof(float) > NNET__PACK_BYTES && (double)K * (N - half) * sizeof(float) <= NNET__PACK_BYTES);
        CHECK(gemm_error(ta, NNET_NO_TRANS, M, N, K, 1.0f, 0.0f, 1, &rng) < 1e-6);
        CHECK(gemm_error(ta, NNET_NO_TRANS, M, N, K, -0.5f, 0.0f, 2, &rng) < 1e-6);
        fill(A, &rng); fill(B, &rng);
        for (k = 0; k < K; k++) {
            memcpy(BL.data + (size_t)k * half, B.data + (size_t)k * N, (size_t)half * sizeof(float));
            memcpy(BR.data + (size_t)k * (N - half), B.data + (size_t)k * N + half, (size_t)(N - half) * sizeof(float));
        }
        nnet__fast_gemm(ta, NNET_NO_TRANS, 1.0f, A, B, 0.0f, C);
        nnet__fast_gemm(ta, NNET_NO_TRANS, 1.0f, A, BL, 0.0f, CL);
        nnet__fast_gemm(ta, NNET_NO_TRANS, 1.0f, A, BR, 0.0f, CR);
        for (i = 0; i < M; i++) {
            same &= !memcmp(C.data + (size_t)i * N, CL.data + (size_t)i * half, (size_t)half * sizeof(float));
            same &= !memcmp(C.data + (size_t)i * N + half, CR.data + (size_t)i * (N - half), (size_t)(N - half) * sizeof(float));
        }
        CHECK(same);
        nnet_mat_free(&A); nnet_mat_free(&B); nnet_mat_free(&C); nnet_mat_free(&BL); nnet_mat_free(&BR);
        nnet_mat_free(&CL); nnet_mat_free(&CR);
    }
}

/* dW = dZ^T X where dZ's rows are a multiple of 256 floats long: each row
   tile of op(A) is copied into a block first (nnet__gemm_row_tile_packed).
   Against the reference on 1 and 2 threads, with whole and edge row tiles
   and a K past the block (not packed); and bit for bit the same as the
   first 300 rows multiplied apart, from a dZ of 300 columns, which is not
   packed. */
static void test_gemm_packed_rows(void) {
    static const struct { int M, N, K; } s[] = {{512, 100, 32}, {256, 37, 5}, {1024, 40, 256}, {512, 60, 300}};
    nnet_rng rng;
    int t;
    nnet_rng_seed(&rng, 6);
    for (t = 0; t < 4; t++) {
        CHECK((double)s[t].K * s[t].N <= 65536 && s[t].M % 256 == 0);   /* the shapes nnet__gemm_block packs ... */
        CHECK(gemm_error(NNET_TRANS, NNET_NO_TRANS, s[t].M, s[t].N, s[t].K, 1.0f, 0.0f, 1, &rng) < 1e-6);
        CHECK(gemm_error(NNET_TRANS, NNET_NO_TRANS, s[t].M, s[t].N, s[t].K, -0.5f, 1.0f, 2, &rng) < 1e-6);
    }
    CHECK(s[3].K > NNET__PACK_A_ROWS && s[0].K <= NNET__PACK_A_ROWS);   /* ... when K fits the block */
    {
        int M = 512, N = 100, K = 32, part = 300, k, same;
        nnet_mat A = nnet_mat_create(K, M), B = nnet_mat_create(K, N), C = nnet_mat_create(M, N);
        nnet_mat Ap = nnet_mat_create(K, part), Cp = nnet_mat_create(part, N);
        fill(A, &rng); fill(B, &rng);
        for (k = 0; k < K; k++) memcpy(Ap.data + (size_t)k * part, A.data + (size_t)k * M, (size_t)part * sizeof(float));
        nnet__fast_gemm(NNET_TRANS, NNET_NO_TRANS, 1.0f, A, B, 0.0f, C);
        nnet__fast_gemm(NNET_TRANS, NNET_NO_TRANS, 1.0f, Ap, B, 0.0f, Cp);
        same = !memcmp(C.data, Cp.data, (size_t)part * N * sizeof(float));
        CHECK(same);
        nnet_mat_free(&A); nnet_mat_free(&B); nnet_mat_free(&C); nnet_mat_free(&Ap); nnet_mat_free(&Cp);
    }
}

/* What the library allocates starts on a 64-byte line, so rows of 16k
   floats never straddle two lines (a split vector load costs two). */
static void test_blocks_are_line_aligned(void) {
    nnet_mat m = nnet_mat_create(3, 5);
    nnet_dataset *data = nnet_dataset_create(7, 784, 10);
    nnet_desc d;
    nnet *net;
    memset(&d, 0, sizeof d);
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 5; d.sizes[1] = 2;   /* 32 parameters: not whole lines */
    net = nnet_create(&d);
    CHECK(m.data && data && net);
    if (m.data && data && net) {
        CHECK((uintptr_t)m.data % 64 == 0);
        CHECK((uintptr_t)data->inputs.data % 64 == 0 && (void *)data->labels >= (void *)(data->inputs.data + 7 * 784));
        CHECK((uintptr_t)net->parameters % 64 == 0 && (uintptr_t)net->gradients % 64 == 0 &&
              (uintptr_t)net->optimizer.first_moment % 64 == 0);
        CHECK(net->gradients >= net->parameters + net->n_parameters &&
              net->optimizer.first_moment >= net->gradients + net->n_parameters);
    }
    nnet_mat_free(&m); nnet_dataset_free(data); nnet_free(net);
}

/* On Linux (x86-64, arm64), a block of 1 MB or more starts on a 2 MB
   boundary, where it can have 2 MB pages: a 784-128-10 net's weights,
   gradients and velocity (1.2 MB), a 1 MB matrix; smaller ones, and every
   block elsewhere, start on a 64-byte line. Every float of a large one can
   be written. */
static void test_large_blocks_start_on_2mb_pages(void) {
#ifdef NNET__HUGE_PAGE
    const size_t large = NNET__HUGE_PAGE;
#else
    const size_t large = 64;
#endif
    nnet_mat big = nnet_mat_create(512, 512), small = nnet_mat_create(511, 512);
    nnet_desc d;
    nnet *net;
    size_t k;
    memset(&d, 0, sizeof d);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = 128; d.sizes[1] = 10;
    net = nnet_create(&d);
    CHECK(big.data && small.data && net);
    if (big.data && small.data && net) {
        CHECK((uintptr_t)big.data % large == 0 && (uintptr_t)net->parameters % large == 0);
        CHECK((uintptr_t)small.data % 64 == 0);
        for (k = 0; k < (size_t)512 * 512; k++) big.data[k] = (float)k;
        CHECK(big.data[512 * 512 - 1] == (float)(512 * 512 - 1));
    }
    nnet_mat_free(&big); nnet_mat_free(&small); nnet_free(net);
}

/* The vectorised steps (SGD, Nesterov, Adam, AdamW) equal their formulas,
   written out one operation per statement (clang would fuse a*b + c into an
   FMA) with a moment below FLT_MIN stored as 0, bit for bit at every tail
   length; AdamW decays weights, not biases. */
static void test_steps_match_scalar(void) {
    static const int hidden[] = {1, 5, 16, 33};
    nnet_rng rng;
    int h, kind, exact = 1;
    nnet_rng_seed(&rng, 4);
    for (h = 0; h < 4; h++)
        for (kind = 0; kind < 4; kind++) {   /* SGD, SGD Nesterov, Adam, AdamW */
            nnet_desc d;
            nnet_train_desc t;
            nnet *net;
            float *w0, *m0, *s0, lr = 0.1f;
            size_t k, n;
            int step;
            memset(&d, 0, sizeof d);
            d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = hidden[h]; d.sizes[1] = 2;
            memset(&t, 0, sizeof t);
            t.optimizer = kind < 2 ? NNET_SGD : kind == 2 ? NNET_ADAM : NNET_ADAMW;
            t.momentum = kind < 2 ? 0.9f : 0.0f; t.nesterov = kind == 1; t.weight_decay = kind == 3 ? 0.05f : 0.0f;
            net = nnet_create(&d);
            CHECK(net != NULL);
            if (!net) return;
            n = net->n_parameters;
            w0 = (float *)malloc(3 * n * sizeof(float)); m0 = w0 + n; s0 = m0 + n;
            memset(m0, 0, 2 * n * sizeof(float));
            for (step = 1; step <= 2; step++) {
                double t1 = step;
                double c2 = sqrt(1.0 - pow(0.999f, t1));   /* Adam: lr m^ / (sqrt(s^) + eps) as [lr c2 / (1 - b1^t)] m / (sqrt(s) + c2 eps) */
                float size = (float)(lr * c2 / (1.0 - pow(0.9f, t1))), eps = (float)((double)1e-8f * c2);
                float decay = (float)(1.0 - (double)lr * 0.05);
                for (k = 0; k < n; k++) net->gradients[k] = nnet_rng_uniform(&rng) - 0.5f;
                memcpy(w0, net->parameters, n * sizeof(float));
                CHECK_STATUS(nnet_optimizer_step(net, &t, lr), NNET_OK);
                for (k = 0; k < n; k++) {
                    float g = net->gradients[k], w = w0[k], m, s = 0.0f;
                    int is_bias = 0, l;
                    for (l = 0; l < net->n_layers; l++)
                        is_bias |= &net->parameters[k] >= net->layers[l].bias && &net->parameters[k] < net->layers[l].bias + net->layers[l].n_outputs;
                    if (kind < 2) {
                        float mv = 0.9f * m0[k], mv2, st, lr_step;
                        m = mv + g; m = fabsf(m) < FLT_MIN ? 0.0f : m; mv2 = 0.9f * m; st = kind ? g + mv2 : m; lr_step = lr * st; w = w - lr_step;
                    } else {
                        float a1, a2, b1, b2, g2, r, den, quotient, num;
                        if (kind == 3 && !is_bias) w = w * decay;
                        a1 = 0.9f * m0[k]; a2 = (1.0f - 0.9f) * g; m = a1 + a2; m = fabsf(m) < FLT_MIN ? 0.0f : m;
                        b1 = 0.999f * s0[k]; g2 = (1.0f - 0.999f) * g; b2 = g2 * g; s = b1 + b2;
                        r = sqrtf(s); den = r + eps; quotient = m / den; num = size * quotient; w = w - num;
                    }
                    exact &= net->optimizer.first_moment[k] == m && net->parameters[k] == w &&
                             (kind < 2 || net->optimizer.second_moment[k] == s);
                    m0[k] = m; s0[k] = s;
                }
            }
            CHECK(net->optimizer.steps == 2 && net->optimizer.kind == t.optimizer);
            /* one infinite gradient anywhere: DIVERGED */
            net->gradients[n - 1 - (size_t)h % n] = INFINITY;
            CHECK_ERROR(nnet_optimizer_step(net, &t, lr), NNET_ERR_DIVERGED, "NaN or infinite");
            free(w0);
            nnet_free(net);
        }
    CHECK(exact);
}

static void test_relu_backward_matches_scalar(void) {
    float y[37], dy[37], expected[37];
    int k, exact = 1;
    for (k = 0; k < 37; k++) {
        y[k] = (float)((k * 7) % 5) - 2.0f;
        dy[k] = (float)k - 0.5f;
    }
    y[3] = -0.0f; y[4] = NAN; dy[5] = INFINITY; y[5] = -1.0f; y[36] = 3.0f;
    for (k = 0; k < 37; k++) expected[k] = y[k] > 0.0f ? dy[k] : 0.0f;
    nnet_activation_backward(NNET_ACT_RELU, 0.0f, nnet_mat_view(1, 37, dy), nnet_mat_view(1, 37, y));
    for (k = 0; k < 37; k++) exact &= memcmp(&dy[k], &expected[k], sizeof(float)) == 0;
    CHECK(exact);
}

/* A small task with odd sizes every kernel edge sees. */
static nnet_dataset *blobs(int n, int features, int classes, uint64_t seed) {
    nnet_dataset *data = nnet_dataset_create(n, features, classes);
    nnet_rng rng;
    int i, j;
    nnet_rng_seed(&rng, seed);
    for (i = 0; data && i < n; i++) {
        data->labels[i] = i % classes;
        for (j = 0; j < features; j++)
            NNET_AT(data->inputs, i, j) = nnet_rng_normal(&rng) + (j % classes == data->labels[i] ? 1.5f : 0.0f);
    }
    return data;
}

static nnet *trained_wide(const nnet_dataset *data, int threads, float dropout, int batch, int hidden) {
    nnet_desc d;
    nnet_train_desc t;
    nnet *net;
    memset(&d, 0, sizeof d);
    d.n_inputs = 37; d.n_layers = 3; d.sizes[0] = hidden; d.sizes[1] = 19; d.sizes[2] = 5; d.seed = 9;
    d.dropout[0] = dropout;
    memset(&t, 0, sizeof t);
    t.epochs = 3; t.batch_size = batch; t.learning_rate = 0.05f; t.momentum = 0.9f; t.l2 = 1e-4f;
    t.seed = 11; t.threads = threads;
    net = nnet_create(&d);
    if (net && nnet_train(net, data, NULL, &t, NULL, NULL) != NNET_OK) { nnet_free(net); return NULL; }
    return net;
}
static nnet *trained(const nnet_dataset *data, int threads, float dropout, int batch) {
    return trained_wide(data, threads, dropout, batch, 70);
}

static void test_training_bit_identical_across_threads(void) {
    nnet_dataset *data = blobs(600, 37, 5, 5);
    nnet *one, *two, *three;
    double loss, accuracy;
    CHECK(data != NULL);
    if (!data) return;
    one = trained(data, 1, 0.2f, 23); two = trained(data, 2, 0.2f, 23); three = trained(data, 3, 0.2f, 23);
    CHECK(one && two && three);
    if (one && two && three) {
        CHECK(memcmp(one->parameters, two->parameters, one->n_parameters * sizeof(float)) == 0);
        CHECK(memcmp(one->parameters, three->parameters, one->n_parameters * sizeof(float)) == 0);
        CHECK_STATUS(nnet_evaluate(one, data, &loss, &accuracy), NNET_OK);
        CHECK(accuracy > 0.8);   /* and it did learn */
    }
    nnet_free(one); nnet_free(two); nnet_free(three);
    /* batches of 460 x 37 floats: big enough for every thread to gather a share */
    one = trained(data, 1, 0.2f, 460); three = trained(data, 3, 0.2f, 460);
    CHECK(one && three);
    if (one && three) CHECK(memcmp(one->parameters, three->parameters, one->n_parameters * sizeof(float)) == 0);
    nnet_free(one); nnet_free(three);
    nnet_dataset_free(data);
}

/* nnet_train keeps a team of threads for its run when there are enough cores
   (2 threads here): with 1800 hidden units (100,000 parameters) and batches
   of 460, every job of a batch runs on it: the gather, the products, the SGD
   step. Then a step refused on the team, and a run stopped by its callback,
   must both release the team and return. */
static int stop_at_once(const nnet_progress *p, void *user) { (void)p; (void)user; return 1; }
static void test_training_on_the_team(void) {
    nnet_dataset *data = blobs(600, 37, 5, 5);
    nnet *one, *two;
    nnet_train_desc t;
    float *before;
    CHECK(data != NULL);
    if (!data) return;
    one = trained_wide(data, 1, 0.2f, 460, 1800); two = trained_wide(data, 2, 0.2f, 460, 1800);
    CHECK(one && two);
    CHECK(one && two && one->n_parameters >= 65536);
    if (one && two) CHECK(memcmp(one->parameters, two->parameters, one->n_parameters * sizeof(float)) == 0);
    nnet_free(one);
    if (!two) { nnet_dataset_free(data); return; }
    before = (float *)malloc(two->n_parameters * sizeof(float));
    CHECK(before != NULL);
    if (before) {
        memcpy(before, two->parameters, two->n_parameters * sizeof(float));
        memset(&t, 0, sizeof t);
        t.epochs = 2; t.batch_size = 460; t.threads = 2; t.learning_rate = 3e38f;
        nnet_normalize_divide(data->inputs, 1e-6f);   /* the first step overflows, the loss stays finite */
        CHECK_ERROR(nnet_train(two, data, NULL, &t, NULL, NULL), NNET_ERR_DIVERGED, "the step of epoch 4, batch 1 of 2");
        CHECK(memcmp(before, two->parameters, two->n_parameters * sizeof(float)) == 0);
        nnet_normalize_divide(data->inputs, 1e6f);
        t.learning_rate = 0.01f; t.progress = stop_at_once;
        CHECK_STATUS(nnet_train(two, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK(memcmp(before, two->parameters, two->n_parameters * sizeof(float)) != 0);   /* one step, in place */
        free(before);
    }
    nnet_free(two);
    nnet_dataset_free(data);
}

/* The team's mechanics as a shared machine drives them (section 18): each
   share of a job runs exactly once, whichever thread runs it; the share of a
   thread that is asleep (here: after 3 ms without jobs) is run by thread 0
   rather than waited for; and when thread 0 runs jobs alone, a job runs
   once, whole, as (0, 1). */
typedef struct { int runs[2], by_thread_0[2], whole, bad; double slow_share, share_work; } team_probe;
static void spin_for(double seconds) {
    double until = nnet__seconds() + seconds;
    while (nnet__seconds() < until) {}
}
static void probe_job(void *job, int t, int T) {
    team_probe *p = (team_probe *)job;
    if (T == 1) { spin_for(2 * p->share_work); p->whole++; return; }
    if (T != 2 || t < 0 || t > 1) { p->bad++; return; }
    spin_for(p->share_work);
    if (t == 1 && p->slow_share > 0.0) spin_for(p->slow_share);   /* share 1 takes that long, whoever runs it */
#ifdef _OPENMP
#pragma omp atomic update
#endif
    p->runs[t]++;
#ifdef _OPENMP
    if (omp_get_thread_num() == 0) {
#pragma omp atomic update
        p->by_thread_0[t]++;
    }
#endif
}
typedef struct { int jobs, once, stolen, whole, alone, on_team, bad; team_probe kind; double seconds; } team_tally;
static void team_body(void *arg) {
    team_tally *tally = (team_tally *)arg;
    nnet__team *team = nnet__training_threads.team;
    team_probe p;
    int k;
    if (!team) return;
    team->left = 1 << 30;   /* on the team, no timing the other way */
    for (k = 0; k < 40; k++) {
        spin_for(k % 2 ? 0.003 : 0.0);   /* the other thread naps meanwhile */
        memset(&p, 0, sizeof p);
        nnet__run_job(1, probe_job, &p);
        tally->jobs++;
        tally->once += p.runs[0] == 1 && p.runs[1] == 1 && p.whole == 0 && p.bad == 0;
        tally->stolen += p.by_thread_0[1];
    }
    team->alone = team->prefer_alone = 1;
    for (k = 0; k < 10; k++) {
        memset(&p, 0, sizeof p);
        nnet__run_job(1, probe_job, &p);
        tally->whole += p.whole == 1 && p.runs[0] == 0 && p.runs[1] == 0;
    }
}
static void test_team_shares_run_once(void) {
    team_tally tally;
    memset(&tally, 0, sizeof tally);
    nnet__with_threads(2, team_body, &tally);
#ifdef _OPENMP
    if (omp_get_num_procs() < 2) { printf("  (one core: no team to test)\n"); return; }
    CHECK(tally.jobs == 40 && tally.once == 40);
    CHECK(tally.stolen >= 1);
    CHECK(tally.whole == 10);
#else
    CHECK(tally.jobs == 0);   /* no OpenMP: no team */
#endif
}

/* `seconds` of jobs like `kind` on a team of 2; how many ran alone, on the team. */
static void probe_body(void *arg) {
    team_tally *tally = (team_tally *)arg;
    team_probe p;
    double end = nnet__seconds() + tally->seconds;
    if (!nnet__training_threads.team) return;
    while (nnet__seconds() < end) {
        p = tally->kind;
        nnet__run_job(1, probe_job, &p);
        tally->alone += p.whole == 1;
        tally->on_team += p.runs[0] == 1 && p.runs[1] == 1;
        tally->bad += p.bad;
    }
}
static int probe_team(team_tally *tally, double slow_share, double share_work, double seconds) {
    memset(tally, 0, sizeof *tally);
    tally->kind.slow_share = slow_share;
    tally->kind.share_work = share_work;
    tally->seconds = seconds;
    nnet__with_threads(2, probe_body, tally);
#ifdef _OPENMP
    if (omp_get_num_procs() < 2) return 0;
    printf("  %d jobs alone, %d on the team\n", tally->alone, tally->on_team);
    return 1;
#else
    return 0;
#endif
}

/* Jobs whose second share takes 2 ms while the whole job alone takes
   microseconds (as a team is slower than one thread when the others' cores
   are taken): the team's first window ends in doubt (thread 0 waits for the
   late share), thread 0 times a window alone, runs them alone from then on,
   and times the team again only now and then. 0.3 s of such jobs. */
static void test_team_chooses_alone_when_slower(void) {
    team_tally tally;
    if (!probe_team(&tally, 0.002, 0.0, 0.3)) return;
    CHECK(tally.bad == 0);
    CHECK(tally.on_team >= 1);   /* it did time the team */
    CHECK(tally.alone > 20 * tally.on_team);
}

/* Jobs of two equal shares of 0.5 ms (1 ms whole), as on an idle machine:
   the team beats thread 0's estimate of itself alone, so thread 0 does not
   spend windows alone to find that out. 0.6 s of such jobs; one noisy
   window alone is allowed, but not timing alone every few windows. */
static void test_team_stays_when_faster(void) {
    team_tally tally;
    if (!probe_team(&tally, 0.0, 0.0005, 0.6)) return;
    CHECK(tally.bad == 0);
    CHECK(10 * tally.alone <= tally.on_team);
}

/* Training on 2 threads that switches between the team and thread 0 alone
   at every batch gives the bits of one thread. */
static int switch_every_batch(const nnet_progress *progress, void *user) {
    nnet__team *team = nnet__training_threads.team;
    (void)user;
    if (team) {
        team->alone = team->prefer_alone = progress->batch % 2;
        team->left = 1 << 30;
    }
    return 0;
}
static void test_training_switching_bit_identical(void) {
    nnet_dataset *data = blobs(600, 37, 5, 5);
    nnet *one = NULL, *two = NULL;
    int k;
    CHECK(data != NULL);
    if (!data) return;
    for (k = 0; k < 2; k++) {
        nnet_desc d;
        nnet_train_desc t;
        nnet *net;
        memset(&d, 0, sizeof d);
        d.n_inputs = 37; d.n_layers = 3; d.sizes[0] = 1800; d.sizes[1] = 19; d.sizes[2] = 5; d.seed = 9;
        d.dropout[0] = 0.2f;
        memset(&t, 0, sizeof t);
        t.epochs = 2; t.batch_size = 60; t.learning_rate = 0.05f; t.momentum = 0.9f; t.l2 = 1e-4f;
        t.seed = 3; t.threads = k + 1; t.progress = switch_every_batch;
        net = nnet_create(&d);
        CHECK(net != NULL);
        if (net) CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
        if (k) two = net; else one = net;
    }
    if (one && two) CHECK(memcmp(one->parameters, two->parameters, one->n_parameters * sizeof(float)) == 0);
    nnet_free(one); nnet_free(two);
    nnet_dataset_free(data);
}

/* nnet_train fuses each layer's optimiser step into its weight-gradient
   product (nnet__fast_layer_step) unless it clips; with clipping at a norm
   the gradients never reach, the unfused path runs on the same numbers. The
   two give the same bits (weights, moments), for SGD with and without
   Nesterov, Adam and AdamW, with L2 (without it on 2 threads) and dropout,
   on 1, 2 and 3 threads, with and without the team (1800 hidden units:
   every job on it), and leave the gradients zero. */
static void test_fused_step_equals_unfused(void) {
    nnet_dataset *data = blobs(600, 37, 5, 7);
    static const int widths[] = {70, 256, 1800};   /* 256: op(A) of dW is packed */
    int kind, threads, hidden, w, same = 1, zero = 1;
    CHECK(data != NULL);
    if (!data) return;
    for (w = 0; w < 3; w++)
        for (kind = 0; kind < 4; kind++)
            for (threads = 1; threads <= 3; threads++) {
                nnet *fused, *plain;
                nnet_desc d;
                nnet_train_desc t;
                size_t k;
                hidden = widths[w];
                if (hidden == 1800 && threads == 3) continue;   /* (the team needs no more threads than cores) */
                memset(&d, 0, sizeof d);
                d.n_inputs = 37; d.n_layers = 3; d.sizes[0] = hidden; d.sizes[1] = 19; d.sizes[2] = 5; d.seed = 9;
                d.dropout[0] = 0.2f;
                memset(&t, 0, sizeof t);
                t.epochs = 2; t.batch_size = hidden == 1800 ? 460 : 23; t.seed = 11; t.threads = threads;
                t.l2 = threads == 2 ? 0.0f : 1e-3f;   /* the fused step's two paths: with L2 and without */
                t.optimizer = kind < 2 ? NNET_SGD : kind == 2 ? NNET_ADAM : NNET_ADAMW;
                t.learning_rate = kind < 2 ? 0.05f : 0.005f; t.momentum = kind < 2 ? 0.9f : 0.0f; t.nesterov = kind == 1;
                fused = nnet_create(&d); plain = nnet_create(&d);
                CHECK(fused && plain);
                if (!fused || !plain) return;
                CHECK_STATUS(nnet_train(fused, data, NULL, &t, NULL, NULL), NNET_OK);
                t.clip_norm = 1e30f;   /* unfused, and never clips */
                CHECK_STATUS(nnet_train(plain, data, NULL, &t, NULL, NULL), NNET_OK);
                same &= !memcmp(fused->parameters, plain->parameters, fused->n_parameters * sizeof(float));
                same &= !memcmp(fused->optimizer.first_moment, plain->optimizer.first_moment, fused->n_parameters * sizeof(float));
                same &= kind < 2 || !memcmp(fused->optimizer.second_moment, plain->optimizer.second_moment, fused->n_parameters * sizeof(float));
                for (k = 0; k < fused->n_parameters; k++) zero &= fused->gradients[k] == 0.0f;
                if (!same) { printf("  differs: hidden %d, optimiser %d, %d threads\n", hidden, kind, threads); same = 1; CHECK(0); }
                nnet_free(fused); nnet_free(plain);
            }
    CHECK(zero);
    nnet_dataset_free(data);
}

/* The gradient a fused step applies, against central differences: plain SGD
   with lr 1 and no momentum moves each weight by exactly -g (up to the
   rounding of w - g), so w - w' is the fused path's gradient. */
static void test_gradient_check_fused_path(void) {
    nnet_dataset *data = blobs(13, 21, 3, 6);
    nnet_desc d;
    nnet_train_desc t;
    nnet *net;
    float *before, *after;
    size_t k;
    double worst = 0.0, norm = 0.0;
    nnet_mat T;
    memset(&d, 0, sizeof d);
    d.n_inputs = 21; d.n_layers = 2; d.sizes[0] = 17; d.sizes[1] = 3; d.seed = 3;
    memset(&t, 0, sizeof t);
    net = nnet_create(&d);
    before = net ? (float *)malloc(2 * net->n_parameters * sizeof(float)) : NULL;
    after = before ? before + net->n_parameters : NULL;
    CHECK(net && data && before);
    if (!net || !data || !before) { nnet_free(net); nnet_dataset_free(data); free(before); return; }
    T = nnet_dataset_one_hot(data);
    memcpy(before, net->parameters, net->n_parameters * sizeof(float));
    CHECK_STATUS(nnet_forward(net, data->inputs, 0, NULL), NNET_OK);
    CHECK_STATUS(nnet__backward_and_step(net, data->inputs, T, &t, 1.0f), NNET_OK);
    for (k = 0; k < net->n_parameters; k++) after[k] = net->parameters[k];
    for (k = 0; k < net->n_parameters; k += 5) {
        double g = (double)before[k] - after[k], up, down, numeric;
        float *w = net->parameters;
        memcpy(w, before, net->n_parameters * sizeof(float));
        w[k] = before[k] + 1e-3f;
        nnet_forward(net, data->inputs, 0, NULL); nnet_loss_value(net, T, 0.0f, &up);
        w[k] = before[k] - 1e-3f;
        nnet_forward(net, data->inputs, 0, NULL); nnet_loss_value(net, T, 0.0f, &down);
        numeric = (up - down) / 2e-3;
        norm += fabs(g);
        if (fabs(numeric - g) > worst) worst = fabs(numeric - g);
    }
    CHECK(norm > 1e-3);     /* the gradient is not all zero */
    CHECK_NEAR(worst, 0.0, 2e-3);
    nnet_mat_free(&T);
    free(before);
    nnet_free(net);
    nnet_dataset_free(data);
}

/* Central differences against nnet_backward, whose products run on the
   fast path. */
static void test_gradient_check_fast_path(void) {
    nnet_dataset *data = blobs(13, 21, 3, 6);
    nnet_desc d;
    nnet *net;
    size_t k;
    double worst = 0.0, norm = 0.0;
    nnet_mat T;
    memset(&d, 0, sizeof d);
    d.n_inputs = 21; d.n_layers = 2; d.sizes[0] = 17; d.sizes[1] = 3; d.seed = 3;
    net = nnet_create(&d);
    CHECK(net && data);
    if (!net || !data) { nnet_free(net); nnet_dataset_free(data); return; }
    T = nnet_dataset_one_hot(data);
    CHECK_STATUS(nnet_forward(net, data->inputs, 0, NULL), NNET_OK);
    nnet_zero_grad(net);
    CHECK_STATUS(nnet_backward(net, data->inputs, T, 0.0f), NNET_OK);
    for (k = 0; k < net->n_parameters; k += 7) {
        float keep = net->parameters[k];
        double up, down, numeric;
        net->parameters[k] = keep + 1e-3f;
        nnet_forward(net, data->inputs, 0, NULL); nnet_loss_value(net, T, 0.0f, &up);
        net->parameters[k] = keep - 1e-3f;
        nnet_forward(net, data->inputs, 0, NULL); nnet_loss_value(net, T, 0.0f, &down);
        net->parameters[k] = keep;
        numeric = (up - down) / 2e-3;
        norm += fabs(net->gradients[k]);
        if (fabs(numeric - net->gradients[k]) > worst) worst = fabs(numeric - net->gradients[k]);
    }
    CHECK(norm > 1e-3);     /* the gradient is not all zero */
    CHECK_NEAR(worst, 0.0, 2e-3);
    nnet_mat_free(&T);
    nnet_free(net);
    nnet_dataset_free(data);
}

int main(void) {
    RUN(test_gemm_matches_reference);
    RUN(test_gemm_public_entry);
    RUN(test_gemm_threads_bit_identical);
    RUN(test_gemm_packed);
    RUN(test_gemm_packed_rows);
    RUN(test_blocks_are_line_aligned);
    RUN(test_large_blocks_start_on_2mb_pages);
    RUN(test_steps_match_scalar);
    RUN(test_relu_backward_matches_scalar);
    RUN(test_training_bit_identical_across_threads);
    RUN(test_training_on_the_team);
    RUN(test_team_shares_run_once);
    RUN(test_team_chooses_alone_when_slower);
    RUN(test_team_stays_when_faster);
    RUN(test_training_switching_bit_identical);
    RUN(test_gradient_check_fast_path);
    RUN(test_fused_step_equals_unfused);
    RUN(test_gradient_check_fused_path);
    return test_summary(TEST_NAME);
}
