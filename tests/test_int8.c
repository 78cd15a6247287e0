/* tests/test_int8.c - int8 models (section 16): the requantisation against
   CMSIS-NN's rounding worked by hand and against exact integer arithmetic,
   the multipliers against TensorFlow Lite's, the scheme's invariants, the
   int8 network against the float one (two small networks, and one trained
   on the MNIST sample), bad input, and the exported C header against
   nnet.h's int8 code, bit for bit.

   The two exported headers in tests/data/int8/ are compiled in: relu_int8.h
   (ReLU and identity hidden layers, softmax output) and lut_int8.h (tanh,
   sigmoid and leaky ReLU hidden layers, run through tables; one sigmoid
   output). Their networks are built here from small integers over 8, so
   exporting again must give the committed files byte for byte. After a
   deliberate change to the export, rewrite them from the repository root:
       ./tests/test_int8 --write tests/data/int8
   Run from the repository root. */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#include <stb/stb_image.h>        /* the .gz MNIST sample */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include "data/int8/relu_int8.h"
#include "data/int8/lut_int8.h"
#include <unistd.h>

static char tmp_dir[256];

// A fixture network: weights and biases k/8 with small integers k, drawn
// from a seeded stream, in caller memory (nnet_init_static), and a
// calibration set of inputs k/4 in [-1, 1].
typedef struct fixture {
    nnet_desc desc;
    nnet net;
    float parameters[1024];
    float calibration[64 * 16];
    int rows;
} fixture;

static void fixture_fill(fixture *f, uint64_t seed) {
    nnet_rng rng;
    size_t k, n = 0;
    int l, inputs = f->desc.n_inputs, i;
    nnet_rng_seed(&rng, seed);
    for (l = 0; l < f->desc.n_layers; l++) {
        size_t count = (size_t)f->desc.sizes[l] * (size_t)(inputs + 1);
        for (k = 0; k < count; k++) f->parameters[n + k] = (float)((int)nnet_rng_below(&rng, 17) - 8) / 8.0f;
        n += count;
        inputs = f->desc.sizes[l];
    }
    f->rows = 64;
    for (i = 0; i < f->rows * f->desc.n_inputs; i++) f->calibration[i] = (float)((int)nnet_rng_below(&rng, 9) - 4) / 4.0f;
    CHECK_STATUS(nnet_init_static(&f->net, &f->desc, f->parameters), NNET_OK);
}

// 12 -> 10 relu -> 8 identity -> 4 softmax
static void fixture_relu(fixture *f) {
    memset(f, 0, sizeof *f);
    f->desc.n_inputs = 12; f->desc.n_layers = 3;
    f->desc.sizes[0] = 10; f->desc.sizes[1] = 8; f->desc.sizes[2] = 4;
    f->desc.activations[0] = NNET_ACT_RELU; f->desc.activations[1] = NNET_ACT_IDENTITY; f->desc.activations[2] = NNET_ACT_SOFTMAX;
    fixture_fill(f, 11);
}

// 6 -> 8 tanh -> 6 sigmoid -> 5 leaky relu (slope 1/8) -> 1 sigmoid
static void fixture_lut(fixture *f) {
    memset(f, 0, sizeof *f);
    f->desc.n_inputs = 6; f->desc.n_layers = 4;
    f->desc.sizes[0] = 8; f->desc.sizes[1] = 6; f->desc.sizes[2] = 5; f->desc.sizes[3] = 1;
    f->desc.activations[0] = NNET_ACT_TANH; f->desc.activations[1] = NNET_ACT_SIGMOID;
    f->desc.activations[2] = NNET_ACT_LEAKY_RELU; f->desc.activations[3] = NNET_ACT_SIGMOID;
    f->desc.leaky_slope = 0.125f;
    fixture_fill(f, 13);
}

static nnet_int8 *fixture_quantize(const fixture *f) {
    nnet_int8 *q = nnet_int8_create(&f->net, nnet_mat_view(f->rows, f->desc.n_inputs, (float *)f->calibration));
    CHECK(q != NULL);
    if (!q) printf("  %s\n", nnet_error());
    return q;
}

// CMSIS-NN's requantisation from its definition, in exact 64-bit integer
// arithmetic: value * multiplier / 2^31 rounded half up, then divided by
// 2^-shift rounded half away from zero.
static int32_t requantize_exact(int32_t value, int32_t multiplier, int32_t shift) {
    int64_t product = (int64_t)value * multiplier + ((int64_t)1 << 30), d = (int64_t)1 << 31;
    int64_t high = product / d - (product % d != 0 && product < 0), q, r;   // floor division
    d = (int64_t)1 << -shift;
    q = high / d;
    r = high % d;
    if (2 * (r < 0 ? -r : r) >= d) q += high < 0 ? -1 : 1;
    return (int32_t)q;
}

// Values worked by hand from arm_nn_doubling_high_mult_no_sat and
// arm_nn_divide_by_power_of_two, then a million random ones.
static void test_requantize(void) {
    nnet_rng rng;
    int i, wrong = 0;
    CHECK(nnet__requantize(3, 1 << 30, 0) == 2);     // 1.5 rounds up
    CHECK(nnet__requantize(-3, 1 << 30, 0) == -1);   // -1.5 rounds up too (the high multiply)
    CHECK(nnet__requantize(5, 1 << 30, -1) == 2);    // 2.5 -> 3, then 1.5 -> 2
    CHECK(nnet__requantize(-7, 1 << 30, -1) == -2);  // -3.5 -> -3, then -1.5 -> -2 (away from zero)
    CHECK(nnet__requantize(-5, 1 << 30, -1) == -1);  // -2.5 -> -2, then -1 exactly
    CHECK(nnet__requantize(1000, 1073741824, -3) == 63);   // 500 / 8 = 62.5 -> 63
    CHECK(nnet__requantize(-1000, 1073741824, -3) == -63);
    CHECK(nnet__requantize(123456789, 2147483647, -31) == 0);
    CHECK(nnet__requantize(0x7fffffff, 0x7fffffff, 0) == 0x7ffffffe);
    nnet_rng_seed(&rng, 5);
    for (i = 0; i < 1000000; i++) {
        int32_t value = (int32_t)(nnet_rng_next(&rng) >> 32), multiplier = (int32_t)(((uint32_t)1 << 30) | (uint32_t)(nnet_rng_next(&rng) >> 34));
        int32_t shift = -(int32_t)nnet_rng_below(&rng, 32);
        if (i % 2) value >>= nnet_rng_below(&rng, 31);   // small values too
        if (nnet__requantize(value, multiplier, shift) != requantize_exact(value, multiplier, shift) && wrong++ < 5)
            printf("  requantize(%ld, %ld, %ld) = %ld, expected %ld\n", (long)value, (long)multiplier, (long)shift,
                   (long)nnet__requantize(value, multiplier, shift), (long)requantize_exact(value, multiplier, shift));
    }
    CHECK(wrong == 0);
}

// TensorFlow Lite's QuantizeMultiplier on a few values.
static void test_quantize_multiplier(void) {
    int32_t m, s;
    nnet__quantize_multiplier(0.5, &m, &s); CHECK(m == 1073741824 && s == 0);
    nnet__quantize_multiplier(0.75, &m, &s); CHECK(m == 1610612736 && s == 0);
    nnet__quantize_multiplier(0.1, &m, &s); CHECK(m == 1717986918 && s == -3);   // 0.8 2^-3
    nnet__quantize_multiplier(1.0 / (1.0 + 1.0 / 1048576.0), &m, &s); CHECK(m == 2147481600 && s == 0);   // the largest nnet makes
    nnet__quantize_multiplier(3e-4, &m, &s); CHECK(s == -11 && fabs(ldexp((double)m, s - 31) / 3e-4 - 1.0) < 1e-9);
    nnet__quantize_multiplier(1e-10, &m, &s); CHECK(m == 0 && s == 0);   // below 2^-32
}

// round(x / scale) halves away from zero, plus the zero point, clamped.
static void test_quantize_input(void) {
    CHECK(nnet__int8_quantize(0.25f, 0.5f, 0) == 1);
    CHECK(nnet__int8_quantize(-0.25f, 0.5f, 0) == -1);
    CHECK(nnet__int8_quantize(0.2499f, 0.5f, 0) == 0);
    CHECK(nnet__int8_quantize(0.75f, 0.5f, 0) == 2);
    CHECK(nnet__int8_quantize(0.0f, 1.0f / 255.0f, -128) == -128);
    CHECK(nnet__int8_quantize(1.0f, 1.0f / 255.0f, -128) == 127);
    CHECK(nnet__int8_quantize(2.5f, 1.0f, 126) == 127);   // clamped
    CHECK(nnet__int8_quantize(1e30f, 1e-30f, 0) == 127);
    CHECK(nnet__int8_quantize(-1e30f, 1e-30f, 0) == -128);
    CHECK(nnet__int8_quantize(NAN, 1.0f, 0) == -128);
}

// The scheme: symmetric int8 weights whose largest reaches 127, dequantised
// within half a step; biases in the accumulator's scale; multipliers in
// [2^30, 2^31) with right shifts; ReLU as the clamp at the code of 0.
static void check_scheme(const nnet *net, const nnet_int8 *q) {
    int l, o, i;
    for (l = 0; l < q->n_layers; l++) {
        const nnet_int8_layer *a = &q->layers[l];
        const nnet_layer *f = &net->layers[l];
        int hidden = l < q->n_layers - 1, bad = 0;
        CHECK(a->n_inputs == f->n_inputs && a->n_outputs == f->n_outputs && a->activation == f->activation);
        for (o = 0; o < a->n_outputs; o++) {
            int largest = 0;
            float s = a->weight_scale[o], acc_scale = a->input_scale * s;
            int zero_row = 1;
            for (i = 0; i < a->n_inputs; i++) {
                int w = a->weight[(size_t)o * a->n_inputs + i];
                largest = w > largest ? w : -w > largest ? -w : largest;
                zero_row = zero_row && NNET_AT(f->weight, o, i) == 0.0f;
                bad += w < -127 || fabsf((float)w * s - NNET_AT(f->weight, o, i)) > 0.5001f * s;
            }
            bad += largest != (zero_row ? 0 : 127);
            bad += fabs((double)a->bias[o] * acc_scale - f->bias[o]) > 0.5001 * acc_scale;
            bad += !(a->multiplier[o] >= (1 << 30) && a->shift[o] <= 0);
            bad += fabs(ldexp((double)a->multiplier[o], a->shift[o] - 31) / ((double)acc_scale / a->z_scale) - 1.0) > 1e-6;
        }
        CHECK(bad == 0);
        CHECK(a->z_scale > 0.0f && a->z_zero_point >= -128 && a->z_zero_point <= 127);
        CHECK(a->activation_max == 127);
        CHECK(a->activation_min == (hidden && a->activation == NNET_ACT_RELU ? a->z_zero_point : -128));
        CHECK((a->table != NULL) == (hidden && a->activation != NNET_ACT_RELU && a->activation != NNET_ACT_IDENTITY));
        if (!a->table) CHECK(a->output_scale == a->z_scale && a->output_zero_point == a->z_zero_point);
        if (l > 0) CHECK(a->input_scale == q->layers[l - 1].output_scale && a->input_zero_point == q->layers[l - 1].output_zero_point);
    }
}

// The int8 logits (the output layer's sums), dequantised, stay within
// `steps` of the output's quantisation steps of the float logits.
static void check_close(const nnet *net, const nnet_int8 *q, nnet_mat X, double steps) {
    const nnet_int8_layer *out = &q->layers[q->n_layers - 1];
    float a[64], b[64];
    int8_t codes[16], logits[16], scratch[64];
    int i, l, k;
    double worst = 0.0;
    for (i = 0; i < X.rows; i++) {
        float *x = &NNET_AT(X, i, 0), *y = a;
        for (l = 0; l < net->n_layers; l++, x = y, y = y == a ? b : a) {
            const nnet_layer *layer = &net->layers[l];
            nnet_dense_forward(nnet_mat_view(1, layer->n_outputs, y), nnet_mat_view(1, layer->n_outputs, y),
                               nnet_mat_view(1, layer->n_inputs, x), layer->weight, layer->bias,
                               l < net->n_layers - 1 ? layer->activation : NNET_ACT_IDENTITY, net->leaky_slope);
        }
        CHECK_STATUS(nnet_int8_quantize_input(q, &NNET_AT(X, i, 0), codes), NNET_OK);
        CHECK_STATUS(nnet_int8_forward(q, codes, logits, scratch), NNET_OK);
        for (k = 0; k < out->n_outputs; k++)
            worst = fmax(worst, fabs(x[k] - out->z_scale * (logits[k] - out->z_zero_point)) / out->z_scale);
    }
    printf("  largest |float - int8| logit difference: %.2f steps of the output's scale (allowed %.1f)\n", worst, steps);
    CHECK(worst <= steps);
}

static void test_relu_network(void) {
    fixture f;
    nnet_int8 *q;
    fixture_relu(&f);
    if (!(q = fixture_quantize(&f))) return;
    check_scheme(&f.net, q);
    CHECK(q->layers[0].input_scale == 2.0f / 255.0f);   // inputs in [-1, 1] span the 256 codes
    CHECK(nnet__int8_quantize(-1.0f, q->layers[0].input_scale, q->layers[0].input_zero_point) == -128);
    CHECK(nnet__int8_quantize(1.0f, q->layers[0].input_scale, q->layers[0].input_zero_point) >= 126);
    CHECK(q->layers[0].z_zero_point == -128);   // after ReLU nothing is below 0
    check_close(&f.net, q, nnet_mat_view(f.rows, f.desc.n_inputs, f.calibration), 3.0);
    nnet_int8_free(q);
}

static void test_table_network(void) {
    fixture f;
    nnet_int8 *q;
    int l, k, monotone = 1;
    fixture_lut(&f);
    if (!(q = fixture_quantize(&f))) return;
    check_scheme(&f.net, q);
    for (l = 0; l < 3; l++)   // tanh, sigmoid and leaky ReLU never decrease
        for (k = 1; k < 256; k++) monotone &= q->layers[l].table[k] >= q->layers[l].table[k - 1];
    CHECK(monotone);
    CHECK(q->layers[1].output_zero_point == -128);   // sigmoid's outputs are >= 0
    check_close(&f.net, q, nnet_mat_view(f.rows, f.desc.n_inputs, f.calibration), 8.0);
    nnet_int8_free(q);
}

// A 784-64-10 network trained briefly on 2,000 digits of the MNIST sample:
// int8 within a point of float on the 2,000 test digits, the two agreeing
// on >= 98%.
static void test_mnist(void) {
    nnet_dataset *train = NULL, *test = NULL, *part, *bytes;
    nnet_desc d = {0};
    nnet_train_desc t = {0};
    nnet *net;
    nnet_int8 *q;
    int *a, *b, i, n, agree = 0, right_float = 0, right_int8 = 0;
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", &train, &test), NNET_OK);
    if (!train) return;
    /* the images load as bytes; the int8 functions read rows of floats */
    train = nnet_dataset_as_floats(bytes = train); nnet_dataset_free(bytes);
    test = nnet_dataset_as_floats(bytes = test); nnet_dataset_free(bytes);
    CHECK(train && test);
    if (!train || !test) return;
    part = nnet_dataset_subset(train, 0, 2000);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = 64; d.sizes[1] = 10; d.seed = 3;
    t.epochs = 3; t.learning_rate = 0.05f; t.momentum = 0.9f; t.seed = 3;
    net = nnet_create(&d);
    CHECK_STATUS(nnet_train(net, part, NULL, &t, NULL, NULL), NNET_OK);
    q = nnet_int8_create(net, nnet_mat_view(1000, 784, train->inputs.data));
    CHECK(q != NULL);
    n = test->inputs.rows;
    a = (int *)malloc((size_t)n * sizeof *a);
    b = (int *)malloc((size_t)n * sizeof *b);
    if (q && a && b) {
        check_scheme(net, q);
        CHECK_STATUS(nnet_predict_classes(net, test->inputs, a), NNET_OK);
        CHECK_STATUS(nnet_int8_predict_classes(q, test->inputs, b), NNET_OK);
        for (i = 0; i < n; i++) {
            agree += a[i] == b[i];
            right_float += a[i] == test->labels[i];
            right_int8 += b[i] == test->labels[i];
        }
        printf("  784-64-10: float accuracy %.4f, int8 %.4f, agreement %.4f\n", (double)right_float / n,
               (double)right_int8 / n, (double)agree / n);
        CHECK(right_float > 0.85 * n);
        CHECK(abs(right_float - right_int8) <= n / 100);
        CHECK(agree >= n * 98 / 100);
    }
    free(a); free(b);
    nnet_int8_free(q);
    nnet_free(net);
    nnet_dataset_free(part);
    nnet_dataset_free(train);
    nnet_dataset_free(test);
}

// Dead neurons and a dead layer: an all-zero weight row, and a ReLU layer
// that is 0 on the whole calibration set, still quantise and run.
static void test_degenerate(void) {
    fixture f;
    nnet_int8 *q;
    int i;
    fixture_relu(&f);
    for (i = 0; i < 10 * 12 + 10; i++)   // W_0 and b_0 negative, row 0 of W_0 zero
        f.parameters[i] = i < 12 ? 0.0f : -fabsf(f.parameters[i]) - 0.125f;
    for (i = 0; i < f.rows * 12; i++) f.calibration[i] = fabsf(f.calibration[i]);   // inputs >= 0: every sum < 0
    CHECK_STATUS(nnet_init_static(&f.net, &f.desc, f.parameters), NNET_OK);
    if (!(q = fixture_quantize(&f))) return;
    check_scheme(&f.net, q);
    check_close(&f.net, q, nnet_mat_view(f.rows, 12, f.calibration), 0.6);
    nnet_int8_free(q);
}

// Everything a caller can get wrong is an error naming it.
static void test_bad_input(void) {
    fixture f;
    nnet_int8 *q;
    int8_t codes[16], out[4], scratch[64];
    int classes[64];
    float P[64 * 4];
    fixture_relu(&f);
#define CHECK_CREATE_FAILS(call, needle) do { q = (call); CHECK(q == NULL); \
        if (!strstr(nnet_error(), needle)) { test_current_failures++; printf("  %s:%d: \"%s\" does not mention \"%s\"\n", \
        __FILE__, __LINE__, nnet_error(), needle); } nnet_int8_free(q); } while (0)
    CHECK_CREATE_FAILS(nnet_int8_create(NULL, nnet_mat_view(f.rows, 12, f.calibration)), "net is NULL");
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(0, 12, f.calibration)), "empty");
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(5, 12, NULL)), "empty");
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 11, f.calibration)), "11 columns, expected the network's 12");
    f.calibration[3 * 12 + 2] = NAN;
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 12, f.calibration)), "row 3, column 2 is nan");
    f.calibration[3 * 12 + 2] = -INFINITY;
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 12, f.calibration)), "row 3, column 2 is -inf");
    f.calibration[3 * 12 + 2] = 3e38f;   // finite, but the sums overflow
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 12, f.calibration)), "must stay finite");
    f.calibration[3 * 12 + 2] = 0.0f;
    f.net.layers[1].activation = NNET_ACT_SOFTMAX;
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 12, f.calibration)), "hidden layer 1 is softmax");
    f.net.layers[1].activation = NNET_ACT_IDENTITY;
    f.parameters[20] = INFINITY;
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 12, f.calibration)), "parameter 20 is inf");
    f.parameters[20] = 0.125f;
    f.parameters[10 * 12 + 3] = 1e9f;   // bias 3 of layer 0: about 10^13 accumulator steps
    CHECK_CREATE_FAILS(nnet_int8_create(&f.net, nnet_mat_view(f.rows, 12, f.calibration)), "int32 sum could reach");
    f.parameters[10 * 12 + 3] = 0.125f;

    q = fixture_quantize(&f);
    if (!q) return;
    f.calibration[5] = NAN;
    CHECK_ERROR(nnet_int8_quantize_input(q, f.calibration, codes), NNET_ERR_ARGUMENT, "x[5] is nan");
    CHECK_ERROR(nnet_int8_predict(q, nnet_mat_view(f.rows, 12, f.calibration), nnet_mat_view(f.rows, 4, P)), NNET_ERR_ARGUMENT, "row 0");
    CHECK_ERROR(nnet_int8_predict_classes(q, nnet_mat_view(f.rows, 12, f.calibration), classes), NNET_ERR_ARGUMENT, "row 0");
    f.calibration[5] = 0.0f;
    CHECK_ERROR(nnet_int8_predict(q, nnet_mat_view(f.rows, 12, f.calibration), nnet_mat_view(f.rows, 3, P)), NNET_ERR_ARGUMENT, "expected 64x4");
    CHECK_ERROR(nnet_int8_predict(q, nnet_mat_view(f.rows, 13, f.calibration), nnet_mat_view(f.rows, 4, P)), NNET_ERR_ARGUMENT, "expected N x 12");
    CHECK_ERROR(nnet_int8_predict(NULL, nnet_mat_view(f.rows, 12, f.calibration), nnet_mat_view(f.rows, 4, P)), NNET_ERR_ARGUMENT, "q is NULL");
    CHECK_ERROR(nnet_int8_predict_classes(q, nnet_mat_view(f.rows, 12, f.calibration), NULL), NNET_ERR_ARGUMENT, "classes is NULL");
    CHECK_ERROR(nnet_int8_predict(q, nnet_mat_view(f.rows, 12, f.calibration), nnet_mat_view(f.rows, 4, NULL)), NNET_ERR_ARGUMENT, "P.data is NULL");
    CHECK_ERROR(nnet_int8_quantize_input(q, NULL, codes), NNET_ERR_ARGUMENT, "x is NULL");
    CHECK_ERROR(nnet_int8_forward(q, codes, out, NULL), NNET_ERR_ARGUMENT, "scratch is NULL");
    CHECK_STATUS(nnet_int8_forward(q, codes, out, scratch), NNET_OK);
    CHECK(nnet_int8_scratch_bytes(q) == 20 && nnet_int8_scratch_bytes(NULL) == 0 && nnet_int8_model_bytes(NULL) == 0);
    CHECK_ERROR(nnet_export_int8_c(q, "x.h", "9lives"), NNET_ERR_ARGUMENT, "C identifier");
    CHECK_ERROR(nnet_export_int8_c(NULL, "x.h", "relu"), NNET_ERR_ARGUMENT, "q is NULL");
    CHECK_ERROR(nnet_export_int8_c(q, "/nonexistent-directory/x.h", "relu"), NNET_ERR_IO, "nonexistent-directory");
    nnet_int8_free(q);
    nnet_int8_free(NULL);
#undef CHECK_CREATE_FAILS
}

// Exporting the fixture again gives the committed header byte for byte.
static void check_regenerates(const nnet_int8 *q, const char *name, const char *committed_path) {
    char path[512];
    size_t n_new, n_old;
    unsigned char *fresh, *committed;
    snprintf(path, sizeof path, "%s/%s_int8.h", tmp_dir, name);
    CHECK_STATUS(nnet_export_int8_c(q, path, name), NNET_OK);
    fresh = test_read_file(path, &n_new);
    committed = test_read_file(committed_path, &n_old);
    CHECK(fresh && committed && n_new == n_old && memcmp(fresh, committed, n_new) == 0);
    if (!(fresh && committed && n_new == n_old && memcmp(fresh, committed, n_new) == 0))
        printf("  %s differs from a fresh export: regenerate it (see the top of this file)\n", committed_path);
    free(fresh);
    free(committed);
    remove(path);
}

// The exported code runs what nnet_int8_forward runs: random codes and the
// calibration rows give the same int8 outputs, classes and input codes.
typedef struct exported {
    const int8_t *(*run)(const int8_t *x);
    int (*classify)(const int8_t *x);
    void (*quantize)(const float *real, int8_t *x);
} exported;

static void check_header(const fixture *f, const nnet_int8 *q, exported e) {
    nnet_rng rng;
    int I = q->n_inputs, O = q->layers[q->n_layers - 1].n_outputs, i, k, classes = -1;
    int runs = 0, codes = 0, classified = 0;
    int8_t x[16], mine[16], scratch[64];
    float real[16];
    nnet_rng_seed(&rng, 9);
    for (i = 0; i < 5000; i++) {
        for (k = 0; k < I; k++) x[k] = (int8_t)((int)nnet_rng_below(&rng, 256) - 128);
        CHECK_STATUS(nnet_int8_forward(q, x, mine, scratch), NNET_OK);
        runs += memcmp(e.run(x), mine, (size_t)O) == 0;
    }
    for (i = 0; i < f->rows; i++) {
        const float *row = f->calibration + (size_t)i * (size_t)I;
        nnet_int8_quantize_input(q, row, x);
        e.quantize(row, mine);
        codes += memcmp(x, mine, (size_t)I) == 0;
        nnet_int8_predict_classes(q, nnet_mat_view(1, I, (float *)row), &classes);
        classified += e.classify(x) == classes;
    }
    for (i = 0; i < 2000; i++) {   // reals on and next to the halves between codes
        for (k = 0; k < I; k++)
            real[k] = (float)((int)nnet_rng_below(&rng, 601) - 300) * 0.5f * q->layers[0].input_scale *
                      (1.0f + 1e-7f * (float)((int)nnet_rng_below(&rng, 3) - 1));
        nnet_int8_quantize_input(q, real, x);
        e.quantize(real, mine);
        codes += memcmp(x, mine, (size_t)I) == 0;
    }
    CHECK(runs == 5000);
    CHECK(codes == f->rows + 2000);
    CHECK(classified == f->rows);
}

static void test_export_relu(void) {
    fixture f;
    nnet_int8 *q;
    exported e = {relu_run, relu_classify, relu_quantize};
    fixture_relu(&f);
    if (!(q = fixture_quantize(&f))) return;
    check_regenerates(q, "relu", "tests/data/int8/relu_int8.h");
    CHECK(RELU_N_INPUTS == 12 && RELU_N_OUTPUTS == 4 && RELU_INPUT_SCALE == q->layers[0].input_scale);
    CHECK(RELU_INPUT_ZERO_POINT == q->layers[0].input_zero_point && RELU_OUTPUT_SCALE == q->layers[2].z_scale);
    CHECK(RELU_OUTPUT_ZERO_POINT == q->layers[2].z_zero_point && RELU_MODEL_BYTES == nnet_int8_model_bytes(q));
    CHECK(sizeof relu_activations == nnet_int8_scratch_bytes(q) && RELU_ACTIVATION_BYTES == sizeof relu_activations);
    check_header(&f, q, e);
    nnet_int8_free(q);
}

static void test_export_lut(void) {
    fixture f;
    nnet_int8 *q;
    exported e = {lut_run, lut_classify, lut_quantize};
    fixture_lut(&f);
    if (!(q = fixture_quantize(&f))) return;
    check_regenerates(q, "lut", "tests/data/int8/lut_int8.h");
    CHECK(LUT_N_INPUTS == 6 && LUT_N_OUTPUTS == 1 && LUT_MODEL_BYTES == nnet_int8_model_bytes(q));
    CHECK(sizeof lut_activations == nnet_int8_scratch_bytes(q));
    check_header(&f, q, e);
    nnet_int8_free(q);
}

// --write DIR: export the two fixture headers into DIR.
static int write_fixtures(const char *dir) {
    fixture f;
    nnet_int8 *q;
    char path[512];
    int status = 0;
    fixture_relu(&f);
    snprintf(path, sizeof path, "%s/relu_int8.h", dir);
    if (!(q = fixture_quantize(&f)) || nnet_export_int8_c(q, path, "relu") != NNET_OK) status = 1;
    nnet_int8_free(q);
    fixture_lut(&f);
    snprintf(path, sizeof path, "%s/lut_int8.h", dir);
    if (!(q = fixture_quantize(&f)) || nnet_export_int8_c(q, path, "lut") != NNET_OK) status = 1;
    nnet_int8_free(q);
    printf("%s\n", status ? nnet_error() : "wrote relu_int8.h and lut_int8.h");
    return status;
}

int main(int argc, char **argv) {
    char dir[] = "/tmp/nnet-int8-XXXXXX";
    if (argc == 3 && strcmp(argv[1], "--write") == 0) return write_fixtures(argv[2]);
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
    RUN(test_requantize);
    RUN(test_quantize_multiplier);
    RUN(test_quantize_input);
    RUN(test_relu_network);
    RUN(test_table_network);
    RUN(test_degenerate);
    RUN(test_bad_input);
    RUN(test_export_relu);
    RUN(test_export_lut);
    RUN(test_mnist);
    rmdir(tmp_dir);
    return test_summary("test_int8");
}
