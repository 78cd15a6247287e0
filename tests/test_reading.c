/* tests/test_reading.c - the reading build: the code a student reads in
   Part I is the code that trains. Built with -DNNET_REFERENCE -O0 -g
   -finstrument-functions -rdynamic (see the Makefile), so every function
   entry is recorded. While nnet_train runs (a classifier with dropout, L2,
   Nesterov, clipping and warm-up; several labels with Adam; regression with
   MSE, MAE and Huber and AdamW):
   - every nnet.h function that docs/guide.md names in its sections on a
     layer, the forward pass, backpropagation, the optimisers and the
     training loop is entered (a breakpoint on it in gdb stops);
   - the layer's multiply-add, the loop of nnet_gemm_reference, runs at most
     4 calls below nnet_train;
   - the weights after one epoch are within a stated tolerance of the same
     epoch on the fast build (tests/reading_fast.c: SIMD, tiling, 2 threads). */
#define _GNU_SOURCE   /* dlsym's RTLD_DEFAULT */
#define NNET_REFERENCE
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include <ctype.h>
#include <dlfcn.h>
#include "reading_case.h"

int reading_fast_train(float *weights, size_t capacity, size_t *n);   // tests/reading_fast.c

// ---- Recording the calls (gcc/clang -finstrument-functions) --------------------
#define NO_TRACE __attribute__((no_instrument_function))
void __cyg_profile_func_enter(void *function, void *site) NO_TRACE;
void __cyg_profile_func_exit(void *function, void *site) NO_TRACE;

static void *entered[1024];
static int n_entered, depth, train_depth, deepest_product = -1, shallowest_product = 1000;
static void *train_address, *product_address;

static void *address_of(void (*function)(void)) NO_TRACE;
static void *address_of(void (*function)(void)) {   // a function's address as the hooks see it
    void *p;
    memcpy(&p, &function, sizeof p);
    return p;
}

void __cyg_profile_func_enter(void *function, void *site) {
    int i;
    (void)site;
    depth++;
    if (function == train_address && !train_depth) train_depth = depth;
    if (!train_depth) return;
    if (function == product_address) {   // the multiply-add's depth below nnet_train
        if (depth - train_depth > deepest_product) deepest_product = depth - train_depth;
        if (depth - train_depth < shallowest_product) shallowest_product = depth - train_depth;
    }
    for (i = 0; i < n_entered && entered[i] != function; i++) {}
    if (i == n_entered && n_entered < 1024) entered[n_entered++] = function;
}

void __cyg_profile_func_exit(void *function, void *site) {
    (void)site;
    if (function == train_address && depth == train_depth) train_depth = 0;
    depth--;
}

// ---- The runs ---------------------------------------------------------------------
static void shift(nnet_mat X, nnet_rng *rng, void *user) { (void)user; NNET_AT(X, 0, 0) += nnet_rng_normal(rng); }

// A network of the given output activation and loss trained for 2 epochs on
// targets (labels = 0) or labels.
static int train_case(nnet_activation hidden, nnet_activation output, nnet_loss loss, int labels, nnet_optimizer_kind optimizer) {
    nnet_dataset *data = labels ? nnet_dataset_create(40, 5, 3) : nnet_dataset_create_targets(40, 5, 3);
    nnet_desc d;
    nnet_train_desc t;
    nnet_rng rng;
    nnet *net;
    int i, j, status;
    if (!data) return NNET_ERR_MEMORY;
    nnet_rng_seed(&rng, 3);
    for (i = 0; i < 40; i++) {
        for (j = 0; j < 5; j++) NNET_AT(data->inputs, i, j) = nnet_rng_normal(&rng);
        if (labels) data->labels[i] = i % 3;
        else for (j = 0; j < 3; j++) NNET_AT(data->targets, i, j) = output == NNET_ACT_SIGMOID ? (float)(i + j) / 2 > 10 : nnet_rng_normal(&rng);
    }
    memset(&d, 0, sizeof d);
    d.n_inputs = 5; d.n_layers = 3; d.sizes[0] = 8; d.sizes[1] = 6; d.sizes[2] = 3;
    d.activations[0] = d.activations[1] = hidden; d.activations[2] = output; d.loss = loss; d.dropout[1] = 0.25f;
    memset(&t, 0, sizeof t);
    t.epochs = 2; t.batch_size = 16; t.learning_rate = 0.01f; t.optimizer = optimizer; t.augment = shift;
    t.weight_decay = optimizer == NNET_ADAMW ? 0.1f : 0.0f; t.clip_norm = 1.0f; t.l2 = 1e-3f;
    net = nnet_create(&d);
    status = net ? nnet_train(net, data, NULL, &t, NULL, NULL) : NNET_ERR_MEMORY;
    nnet_free(net);
    nnet_dataset_free(data);
    return status;
}

// ---- The guide's names --------------------------------------------------------
// The nnet_* words of docs/guide.md's sections whose titles start with one of
// `titles`, each once, into names.
static int guide_names(char names[][64], int max) {
    static const char *const titles[] = {"## A layer", "## The forward pass", "## Backpropagation", "## Optimisers",
                                         "## The training loop"};
    size_t size;
    unsigned char *text = test_read_file("docs/guide.md", &size);
    char *p, *end;
    int n = 0, inside = 0, k, sections = 0;
    if (!text) return -1;
    text[size] = '\0';
    for (p = (char *)text; *p; p = end + (*end != '\0')) {
        end = strchr(p, '\n');
        if (!end) end = p + strlen(p);
        if (!strncmp(p, "## ", 3)) {
            inside = 0;
            for (k = 0; k < 5; k++) if (!strncmp(p, titles[k], strlen(titles[k]))) inside = 1;
            sections += inside;
            continue;
        }
        if (!inside) continue;
        {
            char *q;
            for (q = p; q < end; q++) {
                size_t len = 0;
                int i;
                if (strncmp(q, "nnet_", 5) || (q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))) continue;
                while (q + len < end && (isalnum((unsigned char)q[len]) || q[len] == '_')) len++;
                if (len < 64) {
                    for (i = 0; i < n && (strlen(names[i]) != len || strncmp(names[i], q, len)); i++) {}
                    if (i == n && n < max) { memcpy(names[n], q, len); names[n++][len] = '\0'; }
                }
                q += len;
            }
        }
    }
    free(text);
    return sections == 5 ? n : -2;
}

// The types and macros the guide may name in those sections: not functions.
static int is_type(const char *name) {
    static const char *const types[] = {"nnet_mat", "nnet_desc", "nnet_layer", "nnet_train_desc", "nnet_rng", "nnet_dataset",
        "nnet_progress", "nnet_epoch_stats", "nnet_optimizer", "nnet_optimizer_kind", "nnet_activation", "nnet_loss",
        "nnet_init", "nnet_schedule", "nnet_monitor", "nnet_transpose", "nnet_status", "nnet_progress_fn", "nnet_h"};
    size_t i;
    for (i = 0; i < sizeof types / sizeof types[0]; i++) if (!strcmp(name, types[i])) return 1;
    return 0;
}

static void guide_functions_are_reached(void) {
    char names[200][64];
    int n, i, reached = 0;
    train_address = address_of((void (*)(void))nnet_train);
    product_address = address_of((void (*)(void))nnet_gemm_reference);
    CHECK_STATUS(train_case(NNET_ACT_RELU, NNET_ACT_SOFTMAX, NNET_LOSS_CROSS_ENTROPY, 1, NNET_SGD), NNET_OK);
    CHECK_STATUS(train_case(NNET_ACT_TANH, NNET_ACT_SIGMOID, NNET_LOSS_BINARY_CROSS_ENTROPY, 0, NNET_ADAM), NNET_OK);
    CHECK_STATUS(train_case(NNET_ACT_LEAKY_RELU, NNET_ACT_IDENTITY, NNET_LOSS_MSE, 0, NNET_ADAMW), NNET_OK);
    CHECK_STATUS(train_case(NNET_ACT_SIGMOID, NNET_ACT_IDENTITY, NNET_LOSS_MAE, 0, NNET_SGD), NNET_OK);
    CHECK_STATUS(train_case(NNET_ACT_IDENTITY, NNET_ACT_TANH, NNET_LOSS_HUBER, 0, NNET_ADAM), NNET_OK);
    {   // and the run compared with the fast build below
        static float weights[2000];
        size_t count;
        CHECK_STATUS(reading_case_train(1, weights, 2000, &count), NNET_OK);
    }
    n = guide_names(names, 200);
    CHECK(n > 10);
    if (n < 0) { printf("  docs/guide.md is missing or lacks one of the five sections (%d)\n", n); return; }
    for (i = 0; i < n; i++) {
        void *symbol = dlsym(RTLD_DEFAULT, names[i]);
        int k, found = 0;
        if (!symbol) {
            if (!is_type(names[i])) { printf("  the guide names %s, which is neither a function nor a known type\n", names[i]); CHECK(0); }
            continue;
        }
        for (k = 0; k < n_entered; k++) found |= entered[k] == symbol;
        if (!found) { printf("  %s is named by the guide but not entered while nnet_train runs\n", names[i]); CHECK(0); }
        reached += found;
    }
    printf("  %d nnet.h functions entered under nnet_train; the guide's %d named functions all among them: %s\n",
           n_entered, reached, reached ? "checked above" : "none found");
    printf("  nnet_gemm_reference (the multiply-add) entered %d to %d calls below nnet_train\n", shallowest_product, deepest_product);
    CHECK(reached >= 15);
    CHECK(deepest_product >= 1 && deepest_product <= 4);
}

// The reading build and the fast build train the same epoch to within float
// rounding: the products sum in other orders (vector lanes, FMA), nothing else differs.
static void reading_build_matches_fast_build(void) {
    static float reading[2000], fast[2000];
    size_t n_reading = 0, n_fast = 0, k;
    double worst = 0.0, largest = 0.0;
    CHECK_STATUS(reading_case_train(1, reading, 2000, &n_reading), NNET_OK);
    CHECK_STATUS(reading_fast_train(fast, 2000, &n_fast), NNET_OK);
    CHECK(n_reading == n_fast && n_reading > 500);
    for (k = 0; k < n_reading && k < n_fast; k++) {
        if (fabs((double)reading[k] - fast[k]) > worst) worst = fabs((double)reading[k] - fast[k]);
        if (fabs((double)reading[k]) > largest) largest = fabs((double)reading[k]);
    }
    printf("  one epoch, %zu weights: max |reading - fast| = %.2e (largest weight %.2f)\n", n_reading, worst, largest);
    CHECK(worst < 1e-5);   // (0 when the fast build has no SIMD: its portable kernels sum in the same order)
}

int main(void) {
    RUN(guide_functions_are_reached);
    RUN(reading_build_matches_fast_build);
    return test_summary("test_reading");
}
