/* tests/test_alloc.c - the NNET_MALLOC / NNET_FREE / NNET_ASSERT overrides:
   every allocation goes through the caller's allocator, every block comes
   back, and an allocator that fails at any point gives NNET_ERR_MEMORY (or
   NULL) with a message, never a crash or a leak. It also measures the most
   memory the MNIST loader holds at once. */
#include <stb/stb_image.h>   /* the MNIST sample is .gz */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static long test_allocations, test_frees, test_fail_after = -1;
static size_t test_live_bytes, test_peak_bytes;
static int test_asserts;

/* Counts every call and the bytes held (in a 16-byte header before each
   block); fails (returns NULL) once test_fail_after reaches 0. */
static void *test_malloc(size_t size) {
    unsigned char *p;
    if (test_fail_after == 0) return NULL;
    if (test_fail_after > 0) test_fail_after--;
    if (!(p = (unsigned char *)malloc(size + 16))) return NULL;
    test_allocations++;
    memcpy(p, &size, sizeof size);
    test_live_bytes += size;
    if (test_live_bytes > test_peak_bytes) test_peak_bytes = test_live_bytes;
    return p + 16;
}
static void test_free(void *p) {
    size_t size;
    if (!p) return;
    test_frees++;
    memcpy(&size, (unsigned char *)p - 16, sizeof size);
    test_live_bytes -= size;
    free((unsigned char *)p - 16);
}

#define NNET_MALLOC(size) test_malloc(size)
#define NNET_FREE(p) test_free(p)
#define NNET_ASSERT(x) ((x) ? (void)0 : (void)test_asserts++)
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

/* Build, train a few steps, predict and report on a tiny problem. */
static int test_workload(void) {
    nnet_desc d = {0};
    nnet_train_desc t = {0};
    nnet_dataset *data;
    nnet_report *report = NULL;
    nnet *net;
    int predicted[16], status, i;
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 5; d.sizes[1] = 2; d.dropout[0] = 0.1f;
    t.epochs = 2; t.batch_size = 4; t.learning_rate = 0.1f;
    if (!(data = nnet_dataset_create(16, 3, 2))) return NNET_ERR_MEMORY;
    for (i = 0; i < 16 * 3; i++) data->inputs.data[i] = (float)(i % 7) / 7.0f;
    for (i = 0; i < 16; i++) data->labels[i] = i % 2;
    if (!(net = nnet_create(&d))) { nnet_dataset_free(data); return NNET_ERR_MEMORY; }
    status = nnet_train(net, data, data, &t, NULL, NULL);
    if (status == NNET_OK) status = nnet_predict_classes(net, data->inputs, predicted);
    if (status == NNET_OK && !(report = nnet_report_create(data->labels, predicted, NULL, 16, 2))) status = NNET_ERR_MEMORY;
    nnet_report_free(report);
    nnet_free(net);
    nnet_dataset_free(data);
    return status;
}

static void test_allocator_used_and_balanced(void) {
    test_allocations = test_frees = 0;
    test_fail_after = -1;
    CHECK_STATUS(test_workload(), NNET_OK);
    CHECK(test_allocations >= 4);
    CHECK(test_allocations == test_frees);
    CHECK(test_asserts == 0);
}

/* Fail the 1st, 2nd, ... allocation in turn: each run must stop with
   NNET_ERR_MEMORY and a message, and still free everything it took. */
static void test_every_allocation_failing(void) {
    long total, k;
    test_allocations = test_frees = 0;
    test_fail_after = -1;
    test_workload();
    total = test_allocations;
    for (k = 0; k < total; k++) {
        int status;
        test_allocations = test_frees = 0;
        test_fail_after = k;
        status = test_workload();
        CHECK(status == NNET_ERR_MEMORY);
        CHECK(test_allocations == test_frees);
        if (k == 0) CHECK(strstr(nnet_error(), "could not allocate") != NULL);
    }
    test_fail_after = -1;
    printf("  failed each of the %ld allocations in turn: NNET_ERR_MEMORY every time, nothing leaked\n", total);
}

static long file_size(const char *path) {
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (f) fclose(f);
    return n;
}

/* nnet_dataset_load_mnist inflates the images into the end of the dataset's
   floats and converts them there, so at no time does it hold the 6.3 MB of
   pixels as bytes beside their 25 MB of floats: its peak is the dataset plus
   the compressed file (and a little). Loading the pixels as an nnet_idx
   first would add the 6.3 MB. */
static void test_mnist_loading_peak(void) {
    nnet_dataset *train = NULL;
    size_t dataset, compressed = (size_t)file_size("data/mnist-sample/train-images-idx3-ubyte.gz");
    test_fail_after = -1;
    test_live_bytes = test_peak_bytes = 0;
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", &train, NULL), NNET_OK);
    if (!train) return;
    dataset = 8000 * 784 * sizeof(float) + 8000 * sizeof(int);
    printf("  peak %zu bytes: the dataset %zu + the .gz file %zu + %zu\n", test_peak_bytes, dataset, compressed,
           test_peak_bytes - dataset - compressed);
    CHECK(test_peak_bytes <= dataset + compressed + 65536);
    CHECK(test_peak_bytes < dataset + 8000 * 784);
    nnet_dataset_free(train);
    CHECK(test_live_bytes == 0);
}

/* The loader under failing allocations: NNET_ERR_MEMORY, nothing leaked. */
static void test_mnist_loading_failing(void) {
    nnet_dataset *train = NULL, *test = NULL;
    long total, k;
    test_allocations = test_frees = 0;
    test_fail_after = -1;
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", &train, &test), NNET_OK);
    nnet_dataset_free(train); nnet_dataset_free(test);
    total = test_allocations;
    for (k = 0; k < total; k++) {
        test_allocations = test_frees = 0;
        test_fail_after = k;
        CHECK(nnet_dataset_load_mnist("data/mnist-sample", &train, &test) == NNET_ERR_MEMORY);
        CHECK(train == NULL && test == NULL);
        CHECK(test_allocations == test_frees);
    }
    test_fail_after = -1;
    printf("  failed each of the loader's %ld allocations in turn\n", total);
}

int main(void) {
    RUN(test_allocator_used_and_balanced);
    RUN(test_every_allocation_failing);
    RUN(test_mnist_loading_peak);
    RUN(test_mnist_loading_failing);
    return test_summary("test_alloc");
}
