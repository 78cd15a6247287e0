/* tests/test_math.c - the numeric building blocks of nnet.h: random numbers,
   GEMM against its reference, activations, losses, numerical stability at
   extreme inputs, and the statistics of every initialiser. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

// ---- Random numbers ---------------------------------------------------------
static void rng_is_seeded_and_in_range(void) {
    nnet_rng a, b, c;
    double sum = 0.0, sum2 = 0.0;
    int i, counts[7] = {0}, same = 1, n = 200000;
    nnet_rng_seed(&a, 42); nnet_rng_seed(&b, 42); nnet_rng_seed(&c, 43);
    for (i = 0; i < 100; i++) {
        uint64_t x = nnet_rng_next(&a);
        CHECK(x == nnet_rng_next(&b));
        same &= x == nnet_rng_next(&c);
    }
    CHECK(!same);
    for (i = 0; i < n; i++) {
        float u = nnet_rng_uniform(&a);
        uint32_t k = nnet_rng_below(&a, 7);
        CHECK(u >= 0.0f && u < 1.0f);
        CHECK(k < 7);
        if (k < 7) counts[k]++;
    }
    for (i = 0; i < 7; i++) CHECK_NEAR(counts[i], n / 7.0, 0.03 * n / 7.0);
    CHECK(nnet_rng_below(&a, 1) == 0);
    for (i = 0; i < n; i++) { double z = nnet_rng_normal(&a); sum += z; sum2 += z * z; }
    CHECK_NEAR(sum / n, 0.0, 0.01);
    CHECK_NEAR(sum2 / n, 1.0, 0.02);
}

// ---- GEMM -------------------------------------------------------------------
static void fill(nnet_mat m, nnet_rng *rng) {
    size_t k, n = (size_t)m.rows * (size_t)m.cols;
    for (k = 0; k < n; k++) m.data[k] = 2.0f * nnet_rng_uniform(rng) - 1.0f;
}

// Compare nnet_gemm and nnet_gemm_reference with an exact double product:
// each must be within float rounding of sum |alpha a b| + |beta c|.
// The matrices are views at an odd float offset into their buffers, so a
// fast path may not assume aligned rows.
static nnet_mat unaligned(int rows, int cols) {
    float *block = (float *)calloc((size_t)rows * (size_t)cols + 1, sizeof(float));
    return nnet_mat_view(rows, cols, block ? block + 1 : NULL);
}

static void unaligned_free(nnet_mat *m) { free(m->data - 1); }

static int gemm_case(int M, int N, int K, nnet_transpose ta, nnet_transpose tb,
                     float alpha, float beta, nnet_rng *rng) {
    nnet_mat A = unaligned(ta ? K : M, ta ? M : K), B = unaligned(tb ? N : K, tb ? K : N);
    nnet_mat C0 = unaligned(M, N), C1 = unaligned(M, N), C2 = unaligned(M, N);
    int i, j, k, bad = 0;
    fill(A, rng); fill(B, rng); fill(C0, rng);
    if (beta == 0.0f) for (k = 0; k < M * N; k++) C0.data[k] = NAN;   // beta = 0 must ignore C
    memcpy(C1.data, C0.data, (size_t)M * N * sizeof(float));
    memcpy(C2.data, C0.data, (size_t)M * N * sizeof(float));
    CHECK_STATUS(nnet_gemm(ta, tb, alpha, A, B, beta, C1), NNET_OK);
    CHECK_STATUS(nnet_gemm_reference(ta, tb, alpha, A, B, beta, C2), NNET_OK);
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            double exact = 0.0, size = 0.0, c0 = NNET_AT(C0, i, j);
            for (k = 0; k < K; k++) {
                double a = ta ? NNET_AT(A, k, i) : NNET_AT(A, i, k);
                double b = tb ? NNET_AT(B, j, k) : NNET_AT(B, k, j);
                exact += a * b; size += fabs(a * b);
            }
            exact *= alpha; size *= fabs(alpha);
            if (beta != 0.0f) { exact += beta * c0; size += fabs(beta * c0); }
            size = 1e-6 * (K + 2) * size + 1e-30;
            if (!(fabs(NNET_AT(C1, i, j) - exact) <= size) || !(fabs(NNET_AT(C2, i, j) - exact) <= size)) bad++;
        }
    if (bad) printf("  gemm %dx%dx%d ta=%d tb=%d alpha=%g beta=%g: %d wrong elements\n",
                    M, N, K, ta, tb, alpha, beta, bad);
    unaligned_free(&A); unaligned_free(&B); unaligned_free(&C0); unaligned_free(&C1); unaligned_free(&C2);
    return bad;
}

static void gemm_matches_reference(void) {
    static const int sizes[] = {1, 2, 3, 7, 16, 17, 33, 64, 65, 130};
    static const float alphas[] = {1.0f, -0.5f, 2.5f, 0.0f}, betas[] = {0.0f, 1.0f, -1.5f, 0.25f};
    nnet_rng rng;
    int ta, tb, trial, cases = 0, failures = 0;
    nnet_rng_seed(&rng, 7);
    for (ta = 0; ta < 2; ta++)
        for (tb = 0; tb < 2; tb++) {
            // every combination of 1 and small odd sizes, then random shapes
            int m, n, k;
            for (m = 0; m < 3; m++) for (n = 0; n < 3; n++) for (k = 0; k < 3; k++) {
                failures += gemm_case(sizes[m * 2], sizes[n * 2], sizes[k * 2], (nnet_transpose)ta, (nnet_transpose)tb,
                                      alphas[(m + k) % 4], betas[(n + k) % 4], &rng);
                cases++;
            }
            for (trial = 0; trial < 12; trial++) {
                failures += gemm_case(sizes[nnet_rng_below(&rng, 10)], sizes[nnet_rng_below(&rng, 10)],
                                      sizes[nnet_rng_below(&rng, 10)], (nnet_transpose)ta, (nnet_transpose)tb,
                                      alphas[trial % 4], betas[(trial / 4) % 4], &rng);
                cases++;
            }
            // the shapes training uses: a batch of 32 through a 784-128 layer
            failures += gemm_case(32, 128, 784, (nnet_transpose)ta, (nnet_transpose)tb, 1.0f, ta ? 1.0f : 0.0f, &rng);
            cases++;
        }
    CHECK(failures == 0);
    printf("  %d GEMM cases (all four transposes, sizes 1..784, alpha and beta varied), %d wrong\n", cases, failures);
}

static void gemm_known_product(void) {
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {7, 8, 9, 10, 11, 12}, c[4] = {1, 1, 1, 1};
    nnet_mat A = nnet_mat_view(2, 3, a), B = nnet_mat_view(3, 2, b), C = nnet_mat_view(2, 2, c);
    // [1 2 3; 4 5 6] [7 8; 9 10; 11 12] = [58 64; 139 154]; then 2 AB - C
    CHECK_STATUS(nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 2.0f, A, B, -1.0f, C), NNET_OK);
    CHECK(c[0] == 115 && c[1] == 127 && c[2] == 277 && c[3] == 307);
}

static void gemm_rejects_bad_shapes(void) {
    float a[12] = {0}, b[12] = {0}, c[12] = {0};
    nnet_mat A = nnet_mat_view(2, 3, a), B = nnet_mat_view(3, 4, b), C = nnet_mat_view(2, 4, c);
    CHECK_STATUS(nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, A, B, 0.0f, C), NNET_OK);
    CHECK_ERROR(nnet_gemm(NNET_TRANS, NNET_NO_TRANS, 1.0f, A, B, 0.0f, C), NNET_ERR_ARGUMENT, "inner sizes");
    CHECK_ERROR(nnet_gemm(NNET_NO_TRANS, NNET_TRANS, 1.0f, A, B, 0.0f, C), NNET_ERR_ARGUMENT, "op(B) is 4x3");
    CHECK_ERROR(nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, A, B, 0.0f, nnet_mat_view(4, 2, c)),
                NNET_ERR_ARGUMENT, "found C 4x2");
    CHECK_ERROR(nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, A, nnet_mat_view(3, 4, NULL), 0.0f, C),
                NNET_ERR_ARGUMENT, "B has NULL");
    CHECK_ERROR(nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, nnet_mat_view(2, 3, NULL), B, 0.0f, C),
                NNET_ERR_ARGUMENT, "A has NULL");
    CHECK_ERROR(nnet_gemm_reference(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, A, B, 0.0f, nnet_mat_view(2, 4, NULL)),
                NNET_ERR_ARGUMENT, "C has NULL");
    CHECK_ERROR(nnet_gemm_reference(NNET_TRANS, NNET_TRANS, 1.0f, A, B, 0.0f, C), NNET_ERR_ARGUMENT, "nnet_gemm_reference");
}

static void matrix_helpers(void) {
    float x[6] = {1, 5, 5, -2, -1, -3}, sums[3] = {1, 1, 1}, b[3] = {1, 2, 3}, y[3] = {1, 1, 1};
    int index[2];
    nnet_mat X = nnet_mat_view(2, 3, x), M;
    nnet_argmax_rows(index, X);
    CHECK(index[0] == 1 && index[1] == 1);   // first of the tied 5s; -1 is the largest of row 2
    nnet_column_sums(sums, X);
    CHECK(sums[0] == 0 && sums[1] == 5 && sums[2] == 3);
    nnet_add_bias(X, b);
    CHECK(x[0] == 2 && x[4] == 1 && x[5] == 0);
    nnet_axpy(y, 2.0f, b, 3);
    CHECK(y[0] == 3 && y[2] == 7);
    nnet_scale(y, 0.5f, 3);
    CHECK(y[0] == 1.5f && y[2] == 3.5f);
    M = nnet_mat_create(3, 5);
    CHECK(M.data && M.rows == 3 && M.cols == 5 && M.data[14] == 0.0f);
    nnet_mat_free(&M);
    CHECK(M.data == NULL && M.rows == 0);
    nnet_mat_free(&M);   // twice is fine
    nnet_mat_free(NULL);
    M = nnet_mat_create(0, 5);
    CHECK(M.data == NULL && strstr(nnet_error(), "0x5"));
    M = nnet_mat_create(3, NNET_MAX_DIM + 1);
    CHECK(M.data == NULL && strstr(nnet_error(), "nnet_mat_create"));
}

// ---- Activations ------------------------------------------------------------
static void activations_forward_and_backward(void) {
    static const float zs[8] = {-3.0f, -1.0f, -0.25f, 0.1f, 0.5f, 1.0f, 2.0f, 4.0f};
    float z[8], y[8], dy[8];
    const float slope = 0.1f;
    int a, k;
    for (a = NNET_ACT_IDENTITY; a <= NNET_ACT_LEAKY_RELU; a++) {
        nnet_mat Z = nnet_mat_view(2, 4, z), Y = nnet_mat_view(2, 4, y), dY = nnet_mat_view(2, 4, dy);
        memcpy(z, zs, sizeof z);
        nnet_activation_forward((nnet_activation)a, slope, Y, Z);
        for (k = 0; k < 8; k++) {
            CHECK_NEAR(y[k], test_activation((nnet_activation)a, zs[k], slope), 1e-6);
            dy[k] = 0.5f + 0.25f * k;
        }
        nnet_activation_backward((nnet_activation)a, slope, dY, Y);
        for (k = 0; k < 8; k++) {
            double h = 1e-5, derivative = (test_activation((nnet_activation)a, zs[k] + h, slope) -
                                           test_activation((nnet_activation)a, zs[k] - h, slope)) / (2 * h);
            CHECK_NEAR(dy[k], (0.5 + 0.25 * k) * derivative, 1e-5);
        }
        // in place: Y may be Z
        memcpy(z, zs, sizeof z);
        nnet_activation_forward((nnet_activation)a, slope, Z, Z);
        for (k = 0; k < 8; k++) CHECK(z[k] == y[k]);
    }
}

static void softmax_forward_and_backward(void) {
    float z[6] = {1.0f, 2.0f, 3.0f, -1.0f, 0.0f, 0.5f}, y[6], dy[6] = {0.3f, -1.0f, 2.0f, 1.0f, 1.0f, -0.5f};
    nnet_mat Z = nnet_mat_view(2, 3, z), Y = nnet_mat_view(2, 3, y), dY = nnet_mat_view(2, 3, dy);
    double expected[6];
    int i, j, k;
    nnet_activation_forward(NNET_ACT_SOFTMAX, 0.0f, Y, Z);
    for (i = 0; i < 2; i++) {
        double s = 0.0;
        for (j = 0; j < 3; j++) s += exp(z[3 * i + j]);
        for (j = 0; j < 3; j++) CHECK_NEAR(y[3 * i + j], exp(z[3 * i + j]) / s, 1e-7);
    }
    // dz_j = sum_k dy_k dy_k/dz_j = sum_k dy_k y_k (delta_kj - y_j)
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++) {
            double sum = 0.0;
            for (k = 0; k < 3; k++) sum += dy[3 * i + k] * y[3 * i + k] * ((k == j) - y[3 * i + j]);
            expected[3 * i + j] = sum;
        }
    nnet_activation_backward(NNET_ACT_SOFTMAX, 0.0f, dY, Y);
    for (k = 0; k < 6; k++) CHECK_NEAR(dy[k], expected[k], 1e-6);
}

static void names_round_trip(void) {
    int i;
    for (i = 0; i < NNET_ACT_COUNT_; i++) CHECK(nnet_activation_from_name(nnet_activation_name((nnet_activation)i)) == i);
    for (i = 0; i < NNET_LOSS_COUNT_; i++) CHECK(nnet_loss_from_name(nnet_loss_name((nnet_loss)i)) == i);
    for (i = 0; i < NNET_INIT_COUNT_; i++) CHECK(nnet_init_from_name(nnet_init_name((nnet_init)i)) == i);
    for (i = 0; i < NNET_SCHEDULE_COUNT_; i++) CHECK(nnet_schedule_from_name(nnet_schedule_name((nnet_schedule)i)) == i);
    CHECK(nnet_activation_from_name("linear") == NNET_ACT_IDENTITY);
    CHECK(nnet_activation_from_name("Relu") == -1 && nnet_activation_from_name(NULL) == -1);
    CHECK(nnet_loss_from_name("cross_entropy") == NNET_LOSS_CROSS_ENTROPY);
    CHECK(nnet_init_from_name("he") == NNET_INIT_KAIMING_NORMAL && nnet_init_from_name("xavier") == NNET_INIT_XAVIER_UNIFORM);
    CHECK(nnet_schedule_from_name("exponential") == NNET_SCHEDULE_EXPONENTIAL);
    CHECK(strcmp(nnet_activation_name((nnet_activation)99), "unknown") == 0);
    CHECK(strcmp(nnet_status_name(NNET_ERR_DIVERGED), "training diverged (loss not finite)") == 0);
    CHECK(strcmp(nnet_status_name(12345), "unknown status") == 0);
}

// ---- Losses -----------------------------------------------------------------
static void losses_known_values(void) {
    float z[6] = {0.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f}, t[6] = {1, 0, 0, 0, 0, 1}, p[6], d[6];
    float bz[4] = {0.0f, 2.0f, -1.0f, 0.5f}, bt[4] = {1, 0, 1, 1}, bp[4];
    float y[4] = {0.5f, 1.0f, -1.0f, 2.0f}, yt[4] = {0.0f, 1.0f, 1.0f, 1.0f};
    nnet_mat Z = nnet_mat_view(2, 3, z), T = nnet_mat_view(2, 3, t), P = nnet_mat_view(2, 3, p), D = nnet_mat_view(2, 3, d);
    double expected;
    int k;
    // CE: row 1 uniform -> log 3; row 2 -> log(e + e^2 + e^3) - 3
    expected = (log(3.0) + log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0) / 2.0;
    CHECK_NEAR(nnet_cross_entropy_forward(Z, T), expected, 1e-6);
    nnet_activation_forward(NNET_ACT_SOFTMAX, 0.0f, P, Z);
    nnet_cross_entropy_backward(D, P, T);
    for (k = 0; k < 6; k++) CHECK_NEAR(d[k], (p[k] - t[k]) / 2.0, 1e-7);
    // BCE from logits: -[t log s(z) + (1-t) log(1-s(z))]
    expected = 0.0;
    for (k = 0; k < 4; k++) {
        double s = 1.0 / (1.0 + exp(-bz[k]));
        expected -= bt[k] * log(s) + (1 - bt[k]) * log(1 - s);
    }
    CHECK_NEAR(nnet_binary_cross_entropy_forward(nnet_mat_view(2, 2, bz), nnet_mat_view(2, 2, bt)), expected / 4, 1e-6);
    nnet_activation_forward(NNET_ACT_SIGMOID, 0.0f, nnet_mat_view(2, 2, bp), nnet_mat_view(2, 2, bz));
    nnet_binary_cross_entropy_backward(nnet_mat_view(2, 2, d), nnet_mat_view(2, 2, bp), nnet_mat_view(2, 2, bt));
    for (k = 0; k < 4; k++) CHECK_NEAR(d[k], (bp[k] - bt[k]) / 4.0, 1e-7);
    // MSE: (0.25 + 0 + 4 + 1) / 4
    CHECK_NEAR(nnet_mse_forward(nnet_mat_view(1, 4, y), nnet_mat_view(1, 4, yt)), 5.25 / 4, 1e-7);
    nnet_mse_backward(nnet_mat_view(1, 4, d), nnet_mat_view(1, 4, y), nnet_mat_view(1, 4, yt));
    for (k = 0; k < 4; k++) CHECK_NEAR(d[k], 2.0 * (y[k] - yt[k]) / 4.0, 1e-7);
}

static void labels_to_targets(void) {
    float t[9];
    int labels[3] = {2, 0, 1}, bad[3] = {0, 3, 1};
    CHECK_STATUS(nnet_labels_to_targets(nnet_mat_view(2, 3, t), labels, 3), NNET_OK);
    CHECK(t[0] == 0 && t[1] == 0 && t[2] == 1 && t[3] == 1 && t[4] == 0 && t[5] == 0);
    CHECK_STATUS(nnet_labels_to_targets(nnet_mat_view(2, 1, t), labels + 1, 2), NNET_OK);
    CHECK(t[0] == 0 && t[1] == 1);
    CHECK_ERROR(nnet_labels_to_targets(nnet_mat_view(3, 1, t), labels, 2), NNET_ERR_ARGUMENT, "labels[0] is 2");
    CHECK_ERROR(nnet_labels_to_targets(nnet_mat_view(3, 3, t), bad, 3), NNET_ERR_ARGUMENT, "labels[1] is 3");
    CHECK_ERROR(nnet_labels_to_targets(nnet_mat_view(3, 3, t), labels, 4), NNET_ERR_ARGUMENT, "4 classes");
    CHECK_ERROR(nnet_labels_to_targets(nnet_mat_view(3, 3, t), NULL, 3), NNET_ERR_ARGUMENT, "NULL labels");
}

// ---- Stability at extreme inputs ----------------------------------------------
static int all_finite(const float *x, int n) {
    int k, ok = 1;
    for (k = 0; k < n; k++) ok &= isfinite(x[k]) != 0;
    return ok;
}

static void stable_at_extreme_inputs(void) {
    float z[6] = {1000.0f, -1000.0f, 0.0f, -1000.0f, -1000.0f, -999.0f}, t[6] = {0, 1, 0, 1, 0, 0};
    float p[6], d[6];
    float s[6] = {1000.0f, -1000.0f, 1e4f, -1e4f, 88.8f, -104.0f}, sy[6], sd[6] = {1, 1, 1, 1, 1, 1};
    float bt[6] = {0, 1, 0, 1, 1, 0};
    nnet_mat Z = nnet_mat_view(2, 3, z), T = nnet_mat_view(2, 3, t), P = nnet_mat_view(2, 3, p), D = nnet_mat_view(2, 3, d);
    double ce, bce;
    int k;
    // softmax: row 1 is one-hot, row 2 splits between the two -1000s and -999
    nnet_activation_forward(NNET_ACT_SOFTMAX, 0.0f, P, Z);
    CHECK(all_finite(p, 6));
    CHECK_NEAR(p[0], 1.0, 1e-7); CHECK(p[1] == 0.0f);
    CHECK_NEAR(p[5], exp(1.0) / (2.0 + exp(1.0)), 1e-6);
    for (k = 0; k < 6; k++) d[k] = 1.0f;
    nnet_activation_backward(NNET_ACT_SOFTMAX, 0.0f, D, P);
    CHECK(all_finite(d, 6));
    // cross-entropy: row 1 puts its mass on the wrong class -> loss 2000;
    // row 2 -> log(e^-1000 + e^-1000 + e^-999) + 1000 = log(2 + e)
    ce = nnet_cross_entropy_forward(Z, T);
    CHECK(isfinite(ce));
    CHECK_NEAR(ce, (2000.0 + log(2.0 + exp(1.0))) / 2.0, 1e-3);
    nnet_cross_entropy_backward(D, P, T);
    CHECK(all_finite(d, 6));
    CHECK_NEAR(d[0], 0.5, 1e-7); CHECK_NEAR(d[1], -0.5, 1e-7);
    // sigmoid at +-1000 and +-1e4 saturates to exactly 0 or 1, without NaN
    nnet_activation_forward(NNET_ACT_SIGMOID, 0.0f, nnet_mat_view(1, 6, sy), nnet_mat_view(1, 6, s));
    CHECK(all_finite(sy, 6));
    CHECK(sy[0] == 1.0f && sy[1] == 0.0f && sy[2] == 1.0f && sy[3] == 0.0f);
    nnet_activation_backward(NNET_ACT_SIGMOID, 0.0f, nnet_mat_view(1, 6, sd), nnet_mat_view(1, 6, sy));
    CHECK(all_finite(sd, 6));
    // binary cross-entropy from the logits: 1000 against 0 costs 1000, -1000 against 1 costs 1000
    bce = nnet_binary_cross_entropy_forward(nnet_mat_view(1, 6, s), nnet_mat_view(1, 6, bt));
    CHECK(isfinite(bce));
    CHECK_NEAR(bce, (1000.0 + 1000.0 + 1e4 + 1e4 + log1p(exp(-88.8)) + log1p(exp(-104.0))) / 6.0, 1e-2);
    nnet_binary_cross_entropy_backward(nnet_mat_view(1, 6, sd), nnet_mat_view(1, 6, sy), nnet_mat_view(1, 6, bt));
    CHECK(all_finite(sd, 6));
    CHECK_NEAR(sd[0], 1.0 / 6.0, 1e-7); CHECK_NEAR(sd[1], -1.0 / 6.0, 1e-7);
    // tanh saturates too
    nnet_activation_forward(NNET_ACT_TANH, 0.0f, nnet_mat_view(1, 6, sy), nnet_mat_view(1, 6, s));
    CHECK(all_finite(sy, 6) && sy[0] == 1.0f && sy[1] == -1.0f);
}

// A whole network whose logits reach +-1000: finite loss and gradients.
static void network_stable_with_huge_logits(void) {
    nnet_desc d;
    nnet *net;
    float x[4] = {1.0f, -1.0f, 0.5f, 2.0f};
    float t[2][4] = {{0, 1, 1, 0}, {0, 1, 0, 0}};   // one-hot rows of labels {1, 0}; the single outputs 0 and 1
    int o;
    size_t k;
    double loss;
    for (o = 0; o < 2; o++) {   // softmax + CE, then sigmoid + BCE
        memset(&d, 0, sizeof d);
        d.n_inputs = 2; d.n_layers = 1; d.sizes[0] = o ? 1 : 2;
        net = nnet_create(&d);
        CHECK(net != NULL);
        if (!net) return;
        for (k = 0; k < net->n_parameters; k++) net->parameters[k] = (k % 2 ? -1.0f : 1.0f) * 1000.0f;
        CHECK_STATUS(nnet_forward(net, nnet_mat_view(2, 2, x), 0, NULL), NNET_OK);
        // z = (3000, 1000) and (-500, -2500) for softmax, 3000 and -500 for sigmoid;
        // the labels pick the wrong side each time the loss can be large
        CHECK_STATUS(nnet_loss_value(net, nnet_mat_view(2, o ? 1 : 2, t[o]), 0.0f, &loss), NNET_OK);
        CHECK(isfinite(loss) && loss > 100.0);
        nnet_zero_grad(net);
        CHECK_STATUS(nnet_backward(net, nnet_mat_view(2, 2, x), nnet_mat_view(2, o ? 1 : 2, t[o]), 0.0f), NNET_OK);
        CHECK(all_finite(net->gradients, (int)net->n_parameters));
        nnet_free(net);
    }
}

// ---- Initialisers -------------------------------------------------------------
// Mean and variance of an (O, I) layer drawn by the scheme: the variance
// within 2% of the formula, |mean| below 2% of the standard deviation.
static void init_case(const char *name, nnet_init init, nnet_activation act, float slope, float scale,
                      int O, int I, double expected_variance, double bound) {
    nnet_mat W = nnet_mat_create(O, I);
    float *b = (float *)malloc((size_t)O * sizeof(float));
    nnet_rng rng;
    double sum = 0.0, sum2 = 0.0, mean, variance, lo = 0.0, hi = 0.0;
    size_t k, n = (size_t)O * (size_t)I;
    int bias_ok = 1;
    nnet_rng_seed(&rng, 2024);
    CHECK_STATUS(nnet_init_weights(W, b, init, scale, act, slope, &rng), NNET_OK);
    for (k = 0; k < n; k++) {
        sum += W.data[k]; sum2 += (double)W.data[k] * W.data[k];
        if (W.data[k] < lo) lo = W.data[k];
        if (W.data[k] > hi) hi = W.data[k];
    }
    mean = sum / (double)n;
    variance = sum2 / (double)n - mean * mean;
    printf("  %-28s %4dx%-4d mean %+.2e (%.4f std)  var %.4e / formula %.4e = %.4f\n", name, O, I, mean,
           fabs(mean) / sqrt(expected_variance), variance, expected_variance, variance / expected_variance);
    CHECK(fabs(mean) < 0.02 * sqrt(expected_variance));
    CHECK(fabs(variance / expected_variance - 1.0) < 0.02);
    if (bound > 0.0) CHECK(lo >= -bound && hi <= bound && hi > 0.99 * bound && lo < -0.99 * bound);
    for (k = 0; k < (size_t)O; k++)
        bias_ok &= init == NNET_INIT_UNIFORM ? fabs(b[k]) <= bound : b[k] == 0.0f;
    CHECK(bias_ok);
    nnet_mat_free(&W);
    free(b);
}

static void initialiser_statistics(void) {
    const double a = 0.3, s = 0.2;
    const double relu_gain2 = 2.0, leaky_gain2 = 2.0 / (1.0 + s * s);
    int shape;
    init_case("uniform a=0.3", NNET_INIT_UNIFORM, NNET_ACT_TANH, 0.0f, (float)a, 1000, 1000, a * a / 3.0, a);
    init_case("uniform default a=0.5", NNET_INIT_UNIFORM, NNET_ACT_TANH, 0.0f, 0.0f, 1000, 1000, 0.25 / 3.0, 0.5);
    // 1000x1000, then a non-square layer so that fan_in and fan_out differ
    for (shape = 0; shape < 2; shape++) {
        int O = shape ? 250 : 1000, I = shape ? 4000 : 1000;
        double fi = I, fo = O;
        init_case("xavier_uniform", NNET_INIT_XAVIER_UNIFORM, NNET_ACT_TANH, 0.0f, 0.0f, O, I, 2.0 / (fi + fo), sqrt(6.0 / (fi + fo)));
        init_case("xavier_normal", NNET_INIT_XAVIER_NORMAL, NNET_ACT_SIGMOID, 0.0f, 0.0f, O, I, 2.0 / (fi + fo), 0.0);
        init_case("kaiming_normal relu", NNET_INIT_KAIMING_NORMAL, NNET_ACT_RELU, 0.0f, 0.0f, O, I, relu_gain2 / fi, 0.0);
        init_case("kaiming_normal leaky 0.2", NNET_INIT_KAIMING_NORMAL, NNET_ACT_LEAKY_RELU, (float)s, 0.0f, O, I, leaky_gain2 / fi, 0.0);
        init_case("kaiming_uniform relu", NNET_INIT_KAIMING_UNIFORM, NNET_ACT_RELU, 0.0f, 0.0f, O, I, relu_gain2 / fi, sqrt(3.0 * relu_gain2 / fi));
        init_case("kaiming_uniform leaky 0.2", NNET_INIT_KAIMING_UNIFORM, NNET_ACT_LEAKY_RELU, (float)s, 0.0f, O, I, leaky_gain2 / fi, sqrt(3.0 * leaky_gain2 / fi));
        init_case("lecun_normal", NNET_INIT_LECUN_NORMAL, NNET_ACT_TANH, 0.0f, 0.0f, O, I, 1.0 / fi, 0.0);
        init_case("lecun_uniform", NNET_INIT_LECUN_UNIFORM, NNET_ACT_TANH, 0.0f, 0.0f, O, I, 1.0 / fi, sqrt(3.0 / fi));
    }
    CHECK_NEAR(nnet_kaiming_gain(NNET_ACT_RELU, 0.0f), sqrt(2.0), 1e-6);
    CHECK_NEAR(nnet_kaiming_gain(NNET_ACT_LEAKY_RELU, 0.01f), sqrt(2.0 / 1.0001), 1e-6);
}

// DEFAULT means Kaiming normal for (leaky) ReLU and Xavier uniform otherwise:
// the same draws bit for bit.
static void initialiser_default_and_errors(void) {
    nnet_mat W1 = nnet_mat_create(30, 20), W2 = nnet_mat_create(30, 20);
    nnet_rng r1, r2;
    int act;
    for (act = NNET_ACT_IDENTITY; act <= NNET_ACT_SOFTMAX; act++) {
        nnet_init expected = act == NNET_ACT_RELU || act == NNET_ACT_LEAKY_RELU ? NNET_INIT_KAIMING_NORMAL : NNET_INIT_XAVIER_UNIFORM;
        nnet_rng_seed(&r1, 5); nnet_rng_seed(&r2, 5);
        CHECK_STATUS(nnet_init_weights(W1, NULL, NNET_INIT_DEFAULT, 0.0f, (nnet_activation)act, 0.1f, &r1), NNET_OK);
        CHECK_STATUS(nnet_init_weights(W2, NULL, expected, 0.0f, (nnet_activation)act, 0.1f, &r2), NNET_OK);
        CHECK(memcmp(W1.data, W2.data, 600 * sizeof(float)) == 0);
    }
    CHECK_ERROR(nnet_init_weights(W1, NULL, NNET_INIT_XAVIER_UNIFORM, 0.0f, NNET_ACT_TANH, 0.0f, NULL), NNET_ERR_ARGUMENT, "rng");
    CHECK_ERROR(nnet_init_weights(nnet_mat_view(0, 3, W1.data), NULL, NNET_INIT_XAVIER_UNIFORM, 0.0f, NNET_ACT_TANH, 0.0f, &r1),
                NNET_ERR_ARGUMENT, "0x3");
    CHECK_ERROR(nnet_init_weights(W1, NULL, (nnet_init)42, 0.0f, NNET_ACT_TANH, 0.0f, &r1), NNET_ERR_ARGUMENT, "initialiser 42");
    CHECK_ERROR(nnet_init_weights(W1, NULL, NNET_INIT_UNIFORM, -1.0f, NNET_ACT_TANH, 0.0f, &r1), NNET_ERR_ARGUMENT, "scale -1");
    CHECK_ERROR(nnet_init_weights(W1, NULL, NNET_INIT_UNIFORM, NAN, NNET_ACT_TANH, 0.0f, &r1), NNET_ERR_ARGUMENT, "scale nan");
    nnet_mat_free(&W1); nnet_mat_free(&W2);
}

int main(void) {
    RUN(rng_is_seeded_and_in_range);
    RUN(gemm_known_product);
    RUN(gemm_matches_reference);
    RUN(gemm_rejects_bad_shapes);
    RUN(matrix_helpers);
    RUN(activations_forward_and_backward);
    RUN(softmax_forward_and_backward);
    RUN(names_round_trip);
    RUN(losses_known_values);
    RUN(labels_to_targets);
    RUN(stable_at_extreme_inputs);
    RUN(network_stable_with_huge_logits);
    RUN(initialiser_statistics);
    RUN(initialiser_default_and_errors);
    return test_summary("test_math");
}
