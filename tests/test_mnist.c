/* tests/test_mnist.c - a 784-128-10 ReLU network learns real digits: trained
   on the 8,000-digit MNIST sample in data/mnist-sample/ (make test runs from
   the repository root), it must classify >= 95% of the 2,000 held-out digits.
   The accuracy and the training time are printed; only the accuracy is
   asserted.

   The files are read here, not with nnet.h's IDX loader: gzip is inflated
   by stb_image's zlib (link -lstb), the IDX headers are parsed by hand.

   Under AddressSanitizer (the tests/asan_* build) or with NNET_TEST_QUICK=1
   in the environment, training uses the first 2,000 training digits and the
   bar is 88%; the output says so. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include <stb/stb_image.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

// The whole file, or NULL.
static unsigned char *read_file(const char *path, long *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *bytes = NULL;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (bytes = (unsigned char *)malloc((size_t)*size)) != NULL &&
        fread(bytes, 1, (size_t)*size, f) != (size_t)*size) {
        free(bytes);
        bytes = NULL;
    }
    fclose(f);
    return bytes;
}

// Inflate a .gz file (RFC 1952): 10-byte header 1f 8b 08 FLG ..., optional
// fields by FLG, raw deflate data, then CRC-32 and the length mod 2^32.
static unsigned char *gunzip(const char *path, int *length) {
    long size = 0, pos = 10;
    unsigned char *gz = read_file(path, &size), *out = NULL;
    unsigned long expected;
    if (!gz) { printf("  cannot read %s\n", path); return NULL; }
    if (size < 18 || gz[0] != 0x1f || gz[1] != 0x8b || gz[2] != 8) { printf("  %s is not gzip\n", path); free(gz); return NULL; }
    if (gz[3] & 4) pos += 2 + (gz[10] | gz[11] << 8);                 // FEXTRA
    if (gz[3] & 8) { while (pos < size && gz[pos]) pos++; pos++; }   // FNAME
    if (gz[3] & 16) { while (pos < size && gz[pos]) pos++; pos++; }  // FCOMMENT
    if (gz[3] & 2) pos += 2;                                          // FHCRC
    expected = gz[size - 4] | (unsigned long)gz[size - 3] << 8 | (unsigned long)gz[size - 2] << 16 | (unsigned long)gz[size - 1] << 24;
    // the 8 trailer bytes are passed too: this stb_image wants 16 bits in hand
    // before each Huffman code, even for the last one (it stops at the final block)
    if (pos < size - 8) out = (unsigned char *)stbi_zlib_decode_noheader_malloc((const char *)gz + pos, (int)(size - pos), length);
    if (!out || (unsigned long)*length != expected) {
        printf("  %s: inflating failed (%s)\n", path, out ? "wrong length" : stbi_failure_reason());
        free(out);
        out = NULL;
    }
    free(gz);
    return out;
}

static unsigned long be32(const unsigned char *p) {
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

// Load "<dir>/<part>-images-idx3-ubyte.gz" and the labels into a dataset.
static nnet_dataset *load_part(const char *dir, const char *part) {
    char path[512];
    int ni = 0, nl = 0;
    unsigned char *images, *labels;
    nnet_dataset *data = NULL;
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, part);
    images = gunzip(path, &ni);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, part);
    labels = gunzip(path, &nl);
    if (images && labels && ni >= 16 && nl >= 8 && be32(images) == 0x803 && be32(labels) == 0x801 &&
        be32(images + 8) == 28 && be32(images + 12) == 28 && be32(images + 4) == be32(labels + 4) &&
        (unsigned long)ni == 16 + 784 * be32(images + 4) && (unsigned long)nl == 8 + be32(labels + 4)) {
        int n = (int)be32(labels + 4), i;
        size_t k;
        data = nnet_dataset_create(n, 784, 10);
        if (data) {
            for (k = 0; k < (size_t)n * 784; k++) data->inputs.data[k] = images[16 + k] / 255.0f;
            for (i = 0; i < n; i++) data->labels[i] = labels[8 + i];
        }
    } else if (images && labels) {
        printf("  %s/%s: unexpected IDX headers\n", dir, part);
    }
    free(images);
    free(labels);
    return data;
}

static void mnist_sample_reaches_95_percent(void) {
    const char *dir = "data/mnist-sample";
    const char *quick_env = getenv("NNET_TEST_QUICK");
    int quick = UNDER_ASAN || (quick_env && *quick_env && strcmp(quick_env, "0") != 0);
    double threshold = quick ? 0.88 : 0.95, loss, accuracy, started, seconds;
    nnet_dataset *train = load_part(dir, "train"), *test = load_part(dir, "t10k");
    nnet_desc d;
    nnet_train_desc t;
    nnet_epoch_stats history[16];
    nnet_report *report;
    int *predicted, counts[10] = {0}, i;
    nnet *net;
    CHECK(train != NULL && test != NULL);
    if (!train || !test) { nnet_dataset_free(train); nnet_dataset_free(test); return; }
    CHECK(train->inputs.rows == 8000 && test->inputs.rows == 2000);
    for (i = 0; i < test->inputs.rows; i++) counts[test->labels[i]]++;
    CHECK(counts[0] == 190 && counts[1] == 233 && counts[7] == 236 && counts[9] == 190);   // data/mnist-sample/README.md
    if (quick) train->inputs.rows = 2000;   // the first 2,000 digits (a view over the same memory)

    memset(&d, 0, sizeof d);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = 128; d.sizes[1] = 10; d.seed = 1;
    net = nnet_create(&d);
    CHECK(net != NULL);
    if (!net) { nnet_dataset_free(train); nnet_dataset_free(test); return; }
    memset(&t, 0, sizeof t);
    t.epochs = 12; t.batch_size = 32; t.learning_rate = 0.1f; t.momentum = 0.9f; t.l2 = 5e-4f;
    t.schedule = NNET_SCHEDULE_COSINE; t.seed = 2;
    started = nnet__seconds();
    if (quick) t.epochs = 5;
    // the quick run skips the per-epoch validation pass to save time
    CHECK_STATUS(nnet_train(net, train, quick ? NULL : test, &t, history, NULL), NNET_OK);
    seconds = nnet__seconds() - started;
    CHECK_STATUS(nnet_evaluate(net, test, &loss, &accuracy), NNET_OK);
    if (!quick) CHECK_NEAR(history[t.epochs - 1].validation_accuracy, accuracy, 1e-12);
    predicted = (int *)malloc(2000 * sizeof(int));
    CHECK_STATUS(nnet_predict_classes(net, test->inputs, predicted), NNET_OK);
    report = nnet_report_create(test->labels, predicted, NULL, 2000, 10);
    CHECK(report != NULL && fabs(report->accuracy - accuracy) < 1e-12);
    printf("  %s784-128-10 ReLU, %d epochs on %d digits: held-out accuracy %.2f%% (loss %.4f, macro F1 %.4f), "
           "training took %.1f s; bar %.0f%%\n",
           quick ? (UNDER_ASAN ? "[ASan build: quick run] " : "[NNET_TEST_QUICK: quick run] ") : "",
           t.epochs, train->inputs.rows, 100 * accuracy, loss, report ? report->macro_f1 : NAN, seconds, 100 * threshold);
    CHECK(accuracy >= threshold);
    nnet_report_free(report);
    free(predicted);
    nnet_free(net);
    nnet_dataset_free(train);
    nnet_dataset_free(test);
}

int main(void) {
    RUN(mnist_sample_reaches_95_percent);
    return test_summary("test_mnist");
}
