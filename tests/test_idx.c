/* tests/test_idx.c - IDX and gzip loading, the MNIST directory loader and
   the dataset helpers. The malformed files come from tests/data/idx/make.py;
   each must fail with its own message. Built with stb_image, so .gz works
   (tests/test_idx_nostb.c covers the build without it). */
#include <stb/stb_image.h>
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

#include <unistd.h>   /* rmdir, unlink */

#define DIR "tests/data/idx/"

char *mkdtemp(char *template_);   /* POSIX; not declared under -std=c99 */
int mkstemp(char *template_);
FILE *fdopen(int fd, const char *mode);

/* The last failure's message mentions `needle` (for loaders that return NULL). */
#define CHECK_MESSAGE(needle) do { if (!strstr(nnet_error(), (needle))) { test_current_failures++; \
    printf("  %s:%d: message \"%s\" does not mention \"%s\"\n", __FILE__, __LINE__, nnet_error(), (needle)); } } while (0)

/* ---- helpers ---- */

static unsigned char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = (unsigned char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    fclose(f);
    *size = (size_t)n;
    return p;
}

static int copy_file(const char *from, const char *to) {
    size_t n;
    unsigned char *p = read_all(from, &n);
    FILE *f = fopen(to, "wb");
    int ok = p && f && fwrite(p, 1, n, f) == n;
    if (f) fclose(f);
    free(p);
    return ok;
}

/* nnet_idx_load(DIR name) returns NULL with a message that names the file
   and contains `needle`. */
static void idx_fails(const char *name, const char *needle) {
    char path[256];
    nnet_idx *idx;
    snprintf(path, sizeof path, DIR "%s", name);
    idx = nnet_idx_load(path);
    CHECK(idx == NULL);
    nnet_idx_free(idx);
    if (!strstr(nnet_error(), needle) || !strstr(nnet_error(), path)) {
        test_current_failures++;
        printf("  %s: message \"%s\" does not mention \"%s\" and the path\n", name, nnet_error(), needle);
    }
}

/* The dataset loader fails on images + labels with a message containing needle. */
static void dataset_fails(const char *images, const char *labels, const char *needle) {
    char x[256], y[256];
    nnet_dataset *d;
    snprintf(x, sizeof x, DIR "%s", images);
    snprintf(y, sizeof y, DIR "%s", labels);
    d = nnet_dataset_load_idx(x, y);
    CHECK(d == NULL);
    nnet_dataset_free(d);
    if (!strstr(nnet_error(), needle)) {
        test_current_failures++;
        printf("  %s + %s: message \"%s\" does not mention \"%s\"\n", images, labels, nnet_error(), needle);
    }
}

/* ---- valid files ---- */

static void test_crc32(void) {
    CHECK(nnet__crc32(0, "123456789", 9) == 0xCBF43926u);
    CHECK(nnet__crc32(0, "", 0) == 0);
    CHECK(nnet__crc32(nnet__crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u);
}

static void test_every_type(void) {
    static const char *const names[6] = {"i8.idx", "i16.idx", "i32.idx", "f32.idx", "f64.idx", "images.idx"};
    static const nnet_idx_type types[6] = {NNET_IDX_I8, NNET_IDX_I16, NNET_IDX_I32, NNET_IDX_F32, NNET_IDX_F64, NNET_IDX_U8};
    static const double expected[6][6] = {
        {-128, -1, 0, 1, 2, 127},
        {-32768, -2, 0, 3, 1000, 32767},
        {-2147483648.0, -5, 0, 6, 123456789, 2147483647},
        {-1.5, 0.0, 0.25, 3.0, (double)1e-3f, 65504.0},
        {-2.5, 0.0, 0.125, 1e300, -1e-300, 3.141592653589793},
        {0, 255, 128, 1, 2, 3}};
    int t, k;
    for (t = 0; t < 6; t++) {
        char path[256];
        nnet_idx *idx;
        snprintf(path, sizeof path, DIR "%s", names[t]);
        idx = nnet_idx_load(path);
        CHECK(idx != NULL);
        if (!idx) { printf("  %s: %s\n", names[t], nnet_error()); continue; }
        CHECK(idx->type == types[t]);
        CHECK(idx->rank == (t == 5 ? 3 : 2));
        CHECK(idx->dims[0] == (t == 5 ? 3 : 2) && idx->dims[1] == (t == 5 ? 2 : 3));
        CHECK(idx->count == (t == 5 ? 12u : 6u));
        for (k = 0; k < 6; k++) CHECK(nnet_idx_value(idx, (size_t)k) == expected[t][k]);
        nnet_idx_free(idx);
    }
}

static void test_ranks(void) {
    nnet_idx *a = nnet_idx_load(DIR "rank1.idx"), *b = nnet_idx_load(DIR "rank2.idx");
    nnet_idx *c = nnet_idx_load(DIR "images.idx"), *d = nnet_idx_load(DIR "rank4.idx");
    nnet_idx *z = nnet_idx_load(DIR "zero_items.idx");
    CHECK(a && b && c && d && z);
    if (a && b && c && d && z) {
        CHECK(a->rank == 1 && a->dims[0] == 4 && a->count == 4 && nnet_idx_value(a, 3) == 4);
        CHECK(b->rank == 2 && b->dims[1] == 2 && b->count == 4 && ((uint8_t *)b->data)[2] == 3);
        CHECK(c->rank == 3 && c->dims[2] == 2 && c->count == 12);
        CHECK(d->rank == 4 && d->dims[0] == 1 && d->dims[3] == 2 && d->count == 8);
        CHECK(((int16_t *)d->data)[0] == -4 && ((int16_t *)d->data)[7] == 3);
        CHECK(z->rank == 3 && z->dims[0] == 0 && z->dims[1] == 28 && z->count == 0);
    }
    nnet_idx_free(a); nnet_idx_free(b); nnet_idx_free(c); nnet_idx_free(d); nnet_idx_free(z);
}

static void test_from_memory(void) {
    static const unsigned char bytes[] = {0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00};
    nnet_idx *idx = nnet_idx_load_from_memory(bytes, sizeof bytes, "two shorts");
    CHECK(idx && idx->type == NNET_IDX_I16 && idx->count == 2);
    if (idx) CHECK(nnet_idx_value(idx, 0) == -2 && nnet_idx_value(idx, 1) == 256);
    nnet_idx_free(idx);
    CHECK(nnet_idx_load_from_memory(bytes, 6, "two shorts") == NULL);
    CHECK_MESSAGE("'two shorts' is truncated in the header");
    CHECK(nnet_idx_load_from_memory(bytes, 11, NULL) == NULL);
    CHECK_MESSAGE("'<memory>'");
    CHECK(nnet_idx_load_from_memory(NULL, 5, NULL) == NULL);
    CHECK_MESSAGE("NULL");
    nnet_idx_free(NULL);
}

static void test_gzip_valid(void) {
    nnet_idx *raw = nnet_idx_load(DIR "images.idx");
    nnet_idx *gz = nnet_idx_load(DIR "images.idx.gz");
    nnet_idx *all = nnet_idx_load(DIR "all_fields.idx.gz");
    CHECK(raw && gz && all);
    if (raw && gz && all) {
        CHECK(gz->count == raw->count && memcmp(gz->data, raw->data, raw->count) == 0);
        CHECK(all->count == raw->count && memcmp(all->data, raw->data, raw->count) == 0);
        CHECK(all->rank == 3 && all->dims[0] == 3);
    }
    nnet_idx_free(raw); nnet_idx_free(gz); nnet_idx_free(all);
}

/* ---- malformed files: each with its own message ---- */

static void test_not_idx(void) {
    idx_fails("empty.idx", "is empty (0 bytes)");
    idx_fails("html.idx", "looks like an HTML or XML page (starts \"<!DOCTYPE html>");
    idx_fails("text.idx", "looks like text (starts \"version https:/");
    idx_fails("zip.idx", "zip archive");
    idx_fails("bad_magic.idx", "magic bytes 12 34 08 01");
    idx_fails("gz_of_html.gz", "HTML");
    idx_fails("gz_twice.gz", "gzip data again");
}

static void test_bad_idx(void) {
    idx_fails("short.idx", "only 3 bytes long");
    idx_fails("bad_type.idx", "element type 0x07");
    idx_fails("rank0.idx", "rank 0");
    idx_fails("rank9.idx", "rank 9");
    idx_fails("trunc_dims.idx", "truncated in the header: 3 dimensions need 16 header bytes, the file has 9");
    idx_fails("trunc_data.idx", "= 12 bytes of data, but only 9 bytes follow the header: the file is truncated");
    idx_fails("gz_trunc_data.gz", "only 9 bytes follow the header");
    idx_fails("extra_data.idx", "2 extra bytes");
    idx_fails("huge_dim.idx", "size 4294967295, larger than NNET_MAX_DIM");
    idx_fails("overflow.idx", "overflows");
}

static void test_bad_gzip(void) {
    idx_fails("gz_trunc_fixed.gz", "truncated in the header: 6 bytes");
    idx_fails("gz_trunc_extra_len.gz", "truncated in the gzip FEXTRA length");
    idx_fails("gz_trunc_extra.gz", "truncated in the gzip FEXTRA field");
    idx_fails("gz_trunc_name.gz", "truncated in the gzip file name (FNAME)");
    idx_fails("gz_trunc_comment.gz", "truncated in the gzip comment (FCOMMENT)");
    idx_fails("gz_trunc_hcrc.gz", "truncated in the gzip header CRC (FHCRC)");
    idx_fails("gz_trunc_trailer.gz", "truncated after the gzip header: 5 bytes left");
    idx_fails("gz_truncated.gz", "truncated or corrupt");
    idx_fails("gz_bad_method.gz", "compression method 7");
    idx_fails("gz_reserved_flags.gz", "reserved gzip flag bits 0x20");
    idx_fails("gz_bad_hcrc.gz", "header CRC 0x0000");
    idx_fails("gz_corrupt.gz", "corrupt deflate stream");
    idx_fails("gz_bad_crc.gz", "CRC-32");
    idx_fails("gz_isize_big.gz", "inflates to 28 bytes but its trailer's ISIZE says 29");
    idx_fails("gz_isize_small.gz", "longer than the 27 bytes its ISIZE says");
    idx_fails("gz_isize_huge.gz", "1032:1");
}

/* The 1 GiB cap, on a gzip stream built in memory: a valid header, 1.2 MB of
   (unread) deflate bytes and an ISIZE of 1.125 GiB, possible at 1032:1. */
static void test_gzip_size_cap(void) {
    size_t n = 1300000, k;
    unsigned char *p = (unsigned char *)calloc(n, 1);
    nnet_idx *idx;
    if (!p) { CHECK(p != NULL); return; }
    p[0] = 0x1f; p[1] = 0x8b; p[2] = 8;
    for (k = 0; k < 4; k++) p[n - 4 + k] = (unsigned char)(0x48000000u >> (8 * k));
    idx = nnet_idx_load_from_memory(p, n, "big.gz");
    CHECK(idx == NULL);
    CHECK_MESSAGE("above the 1 GiB limit");
    free(p);
}

static void test_file_errors(void) {
    CHECK(nnet_idx_load("tests/data/idx") == NULL);
    CHECK_MESSAGE("'tests/data/idx' is a directory");
    CHECK(nnet_idx_load(DIR "no-such-file.idx") == NULL);
    CHECK_MESSAGE("could not open 'tests/data/idx/no-such-file.idx'");
    CHECK(nnet_idx_load(NULL) == NULL);
    CHECK_MESSAGE("path is NULL");
}

static void test_dataset_errors(void) {
    dataset_fails("images.idx", "labels_two.idx", "has 3 images but 'tests/data/idx/labels_two.idx' has 2 labels: the counts differ");
    dataset_fails("images.idx", "label_negative.idx", "label -1 of sample 1");
    dataset_fails("images.idx", "label_fraction.idx", "label 1.5 of sample 1");
    dataset_fails("images.idx", "labels_rank2.idx", "not a list of labels");
    dataset_fails("images_nan.idx", "labels_two.idx", "is nan, expected a finite float");
    dataset_fails("f64.idx", "labels_two.idx", "value 0 of image 1 in 'tests/data/idx/f64.idx' is 1e+300, expected a finite float");
    dataset_fails("empty.idx", "labels.idx", "empty.idx' is empty");
    {   /* an explicit class count bounds the labels */
        size_t xs, ys;
        unsigned char *x = read_all(DIR "images.idx", &xs), *y = read_all(DIR "label_big.idx", &ys);
        nnet_dataset *d = nnet_dataset_load_idx_from_memory(x, xs, y, ys, 10);
        CHECK(d == NULL);
        CHECK_MESSAGE("label 10 of sample 1 in '<labels>' is outside the classes 0..9");
        d = nnet_dataset_load_idx_from_memory(x, xs, y, ys, 0);  /* derived: 11 classes */
        CHECK(d && d->n_classes == 11);
        nnet_dataset_free(d);
        free(x); free(y);
    }
    {   /* zero images */
        nnet_idx *z = nnet_idx_load(DIR "zero_items.idx"), *l = nnet_idx_load(DIR "labels.idx");
        CHECK(nnet_dataset_from_idx(z, l, 0) == NULL);
        CHECK_MESSAGE("holds no images");
        nnet_idx_free(z); nnet_idx_free(l);
    }
}

/* ---- datasets from files ---- */

static void test_dataset_small(void) {
    nnet_dataset *d = nnet_dataset_load_idx(DIR "all_fields.idx.gz", DIR "labels_i32.idx");
    CHECK(d != NULL);
    if (!d) { printf("  %s\n", nnet_error()); return; }
    CHECK(d->inputs.rows == 3 && d->inputs.cols == 4 && d->n_classes == 3);
    CHECK(d->labels[0] == 2 && d->labels[1] == 1 && d->labels[2] == 0);
    /* u8 images stay bytes, read as byte / 255 */
    CHECK(d->bytes && !d->inputs.data && d->byte_scale == 1.0f / 255.0f);
    CHECK(d->bytes[0] == 0 && d->bytes[1] == 255 && d->bytes[2] == 128 && d->bytes[2 * 4 + 3] == 253);
    {
        nnet_dataset *f = nnet_dataset_as_floats(d);
        CHECK(f && !f->bytes && f->inputs.rows == 3 && f->inputs.cols == 4 && f->labels[0] == 2 && f->n_classes == 3);
        if (f) CHECK(NNET_AT(f->inputs, 0, 0) == 0.0f && NNET_AT(f->inputs, 0, 1) == 1.0f);
        if (f) CHECK_NEAR(NNET_AT(f->inputs, 0, 2), 128.0 / 255.0, 1e-7);
        if (f) CHECK_NEAR(NNET_AT(f->inputs, 2, 3), 253.0 / 255.0, 1e-7);
        nnet_dataset_free(f);
    }
    nnet_dataset_free(d);
    /* non-u8 images keep their values */
    {
        nnet_idx *x = nnet_idx_load(DIR "i16.idx"), *y = nnet_idx_load(DIR "labels_two.idx");
        nnet_dataset *e = nnet_dataset_from_idx(x, y, 3);
        CHECK(e && e->inputs.cols == 3 && NNET_AT(e->inputs, 0, 0) == -32768.0f && NNET_AT(e->inputs, 1, 2) == 32767.0f);
        CHECK(e && e->n_classes == 3 && e->labels[1] == 2);
        nnet_dataset_free(e);
        nnet_idx_free(x); nnet_idx_free(y);
    }
}

/* nnet_dataset_load_idx builds, bit for bit, the dataset that
   nnet_dataset_from_idx builds from the same two files loaded by nnet_idx_load. */
static void same_as_general_path(const char *images, const char *labels) {
    nnet_idx *x = nnet_idx_load(images), *y = nnet_idx_load(labels);
    nnet_dataset *a = nnet_dataset_load_idx(images, labels), *b = nnet_dataset_from_idx(x, y, 0);
    CHECK(a && b);
    if (a && b) {
        int same = a->inputs.rows == b->inputs.rows && a->inputs.cols == b->inputs.cols && a->n_classes == b->n_classes &&
                   !a->bytes == !b->bytes && a->byte_scale == b->byte_scale;
        CHECK(same && !memcmp(nnet__sample(a, 0), nnet__sample(b, 0), a->inputs.rows * nnet__sample_size(a)) &&
              !memcmp(a->labels, b->labels, (size_t)a->inputs.rows * sizeof(int)));
    }
    nnet_dataset_free(a); nnet_dataset_free(b);
    nnet_idx_free(x); nnet_idx_free(y);
}

/* u8 images of rank 3 are read or inflated into the dataset's own block and
   converted there (see nnet__images_in_place); any other file goes the
   general way, even one the same size as such images. */
static void test_images_in_place(void) {
    static const unsigned char i8_rank3[28] = {0, 0, 9, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2,
                                               0, 1, 127, 128, 255, 2, 3, 4, 5, 6, 7, 200};
    char path[] = "/tmp/nnet_i8_XXXXXX";
    nnet_dataset *d;
    int fd;
    FILE *f;
    same_as_general_path("data/mnist-sample/t10k-images-idx3-ubyte.gz", "data/mnist-sample/t10k-labels-idx1-ubyte.gz");
    same_as_general_path(DIR "images.idx", DIR "labels.idx");
    same_as_general_path(DIR "images.idx.gz", DIR "labels.idx");
    same_as_general_path(DIR "i16.idx", DIR "labels_two.idx");
    /* i8 of rank 3: the size of u8 images, so the bytes land in the block
       before the header sends them the general way; the values stay signed */
    fd = mkstemp(path);
    f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    CHECK(f && fwrite(i8_rank3, 1, sizeof i8_rank3, f) == sizeof i8_rank3);
    if (f) fclose(f);
    same_as_general_path(path, DIR "labels.idx");
    d = nnet_dataset_load_idx(path, DIR "labels.idx");
    CHECK(d && NNET_AT(d->inputs, 0, 3) == -128.0f && NNET_AT(d->inputs, 1, 0) == -1.0f);
    nnet_dataset_free(d);
    unlink(path);
    /* sizes that do not fit give the general path's messages */
    dataset_fails("trunc_data.idx", "labels.idx", "only 9 bytes follow the header: the file is truncated");
    dataset_fails("extra_data.idx", "labels.idx", "2 extra bytes");
    dataset_fails("gz_bad_crc.gz", "labels.idx", "the trailer says");
}

static void check_mnist_sample(nnet_dataset *train, nnet_dataset *test) {
    static const int first_train[10] = {3, 4, 2, 0, 6, 5, 1, 8, 0, 0};
    static const int first_test[10] = {7, 2, 7, 3, 7, 5, 3, 6, 5, 1};
    static const int test_counts[10] = {190, 233, 200, 220, 186, 161, 181, 236, 203, 190};
    int i, counts[10] = {0};
    double sum = 0.0;
    CHECK(train && test);
    if (!train || !test) return;
    CHECK(train->inputs.rows == 8000 && train->inputs.cols == 784 && train->n_classes == 10);
    CHECK(test->inputs.rows == 2000 && test->inputs.cols == 784 && test->n_classes == 10);
    for (i = 0; i < 10; i++) CHECK(train->labels[i] == first_train[i] && test->labels[i] == first_test[i]);
    for (i = 0; i < 2000; i++) if (test->labels[i] >= 0 && test->labels[i] < 10) counts[test->labels[i]]++;
    for (i = 0; i < 10; i++) CHECK(counts[i] == test_counts[i]);
    /* first training image: pixel sum 30569, pixel 132 at 255 (NumPy) */
    CHECK(train->bytes && test->bytes);
    if (!train->bytes) return;
    for (i = 0; i < 784; i++) sum += train->bytes[i];
    CHECK(sum == 30569.0);
    CHECK(train->bytes[132] == 255);
}

static void test_mnist_sample(void) {
    nnet_dataset *train, *test;
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", &train, &test), NNET_OK);
    check_mnist_sample(train, test);
    nnet_dataset_free(train); nnet_dataset_free(test);
    /* one part only */
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", NULL, &test), NNET_OK);
    CHECK(test && test->inputs.rows == 2000);
    nnet_dataset_free(test);
}

/* Bytes and their float copy give the same batches (byte * (1/255)), so the
   same training, bit for bit, the same evaluation and the same predictions;
   the dataset helpers keep bytes as bytes. */
static void test_bytes_same_as_floats(void) {
    nnet_dataset *train = NULL, *test = NULL, *part, *floats, *test_floats, *kept, *kept_floats;
    static const int pair[2] = {1, 5};
    nnet *a = NULL, *b = NULL;
    nnet_desc d;
    nnet_train_desc t;
    nnet_rng r1, r2;
    nnet_mat P, Q;
    double loss[2], accuracy[2];
    int *classes, *classes_floats, same = 1;
    size_t k;
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", &train, &test), NNET_OK);
    if (!train || !test) return;
    part = nnet_dataset_subset(train, 100, 640);
    floats = nnet_dataset_as_floats(part);
    test_floats = nnet_dataset_as_floats(test);
    CHECK(part && part->bytes && !part->inputs.data && floats && floats->inputs.data && !floats->bytes && test_floats);
    if (!part || !floats || !test_floats) return;
    for (k = 0; k < (size_t)640 * 784; k++) same &= floats->inputs.data[k] == (float)part->bytes[k] * (1.0f / 255.0f);
    CHECK(same && !memcmp(part->bytes, train->bytes + 100 * 784, 640 * 784) && !memcmp(part->labels, floats->labels, 640 * sizeof(int)));
    memset(&d, 0, sizeof d);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = 32; d.sizes[1] = 10; d.seed = 3;
    memset(&t, 0, sizeof t);
    t.epochs = 2; t.batch_size = 32; t.learning_rate = 0.05f; t.momentum = 0.9f; t.l2 = 1e-4f; t.seed = 4; t.threads = 2;
    a = nnet_create(&d); b = nnet_create(&d);
    CHECK(a && b);
    if (!a || !b) return;
    CHECK_STATUS(nnet_train(a, part, test, &t, NULL, NULL), NNET_OK);
    CHECK_STATUS(nnet_train(b, floats, test_floats, &t, NULL, NULL), NNET_OK);
    CHECK(!memcmp(a->parameters, b->parameters, a->n_parameters * sizeof(float)));
    CHECK_STATUS(nnet_evaluate(a, test, &loss[0], &accuracy[0]), NNET_OK);
    CHECK_STATUS(nnet_evaluate(a, test_floats, &loss[1], &accuracy[1]), NNET_OK);
    CHECK(loss[0] == loss[1] && accuracy[0] == accuracy[1] && accuracy[0] > 0.5);
    P = nnet_mat_create(2000, 10); Q = nnet_mat_create(2000, 10);
    classes = (int *)malloc(2000 * sizeof(int)); classes_floats = (int *)malloc(2000 * sizeof(int));
    CHECK(P.data && Q.data && classes && classes_floats);
    if (P.data && Q.data && classes && classes_floats) {
        CHECK_STATUS(nnet_predict_dataset(a, test, &P, classes), NNET_OK);
        CHECK_STATUS(nnet_predict(a, test_floats->inputs, Q), NNET_OK);
        CHECK_STATUS(nnet_predict_classes(a, test_floats->inputs, classes_floats), NNET_OK);
        CHECK(!memcmp(P.data, Q.data, 2000 * 10 * sizeof(float)) && !memcmp(classes, classes_floats, 2000 * sizeof(int)));
        CHECK_STATUS(nnet_predict_dataset(a, test, NULL, classes), NNET_OK);   /* classes alone */
        CHECK(!memcmp(classes, classes_floats, 2000 * sizeof(int)));
        CHECK_ERROR(nnet_predict_dataset(a, test, NULL, NULL), NNET_ERR_ARGUMENT, "expected one or both");
        P.rows = 1999;
        CHECK_ERROR(nnet_predict_dataset(a, test, &P, NULL), NNET_ERR_ARGUMENT, "P is 1999x10, expected 2000x10");
        P.rows = 2000;
    }
    /* shuffling and keeping classes: bytes stay bytes and match the floats */
    nnet_rng_seed(&r1, 9); nnet_rng_seed(&r2, 9);
    CHECK_STATUS(nnet_dataset_shuffle(part, &r1), NNET_OK);
    CHECK_STATUS(nnet_dataset_shuffle(floats, &r2), NNET_OK);
    kept = nnet_dataset_keep_classes(part, pair, 2);
    kept_floats = nnet_dataset_keep_classes(floats, pair, 2);
    CHECK(kept && kept->bytes && kept->byte_scale == part->byte_scale && kept_floats && kept_floats->inputs.data);
    if (kept && kept_floats) {
        nnet_dataset *back = nnet_dataset_as_floats(kept);
        CHECK(back && back->inputs.rows == kept_floats->inputs.rows && back->n_classes == 2 &&
              !memcmp(back->inputs.data, kept_floats->inputs.data, nnet__count(back->inputs) * sizeof(float)) &&
              !memcmp(back->labels, kept_floats->labels, (size_t)back->inputs.rows * sizeof(int)));
        nnet_dataset_free(back);
    }
    /* a dataset with both kinds of inputs, or neither, is refused */
    part->inputs.data = floats->inputs.data;
    CHECK_ERROR(nnet_train(a, part, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "not exactly one of float inputs and bytes");
    CHECK(nnet_dataset_subset(part, 0, 2) == NULL);
    CHECK_MESSAGE("not exactly one of float and byte inputs");
    part->inputs.data = NULL; part->byte_scale = NAN;
    CHECK_ERROR(nnet_predict_dataset(a, part, NULL, classes), NNET_ERR_ARGUMENT, "finite byte_scale");
    nnet_mat_free(&P); nnet_mat_free(&Q); free(classes); free(classes_floats);
    nnet_free(a); nnet_free(b);
    nnet_dataset_free(kept); nnet_dataset_free(kept_floats);
    nnet_dataset_free(part); nnet_dataset_free(floats); nnet_dataset_free(test_floats);
    nnet_dataset_free(train); nnet_dataset_free(test);
}

/* Both spellings of the names, raw and .gz, in a temporary directory. */
static void test_mnist_spellings(void) {
    static const char *const src[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    static const char *const dotted[4] = {"train-images.idx3-ubyte", "train-labels.idx1-ubyte",
                                          "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"};
    char dir[] = "/tmp/nnet_idx_XXXXXX", path[4][256], from[256];
    nnet_dataset *train = NULL, *test = NULL;
    int i, pass;
    if (!mkdtemp(dir)) { CHECK(0); return; }
    for (pass = 0; pass < 2; pass++) {
        /* pass 0: dotted names, .gz; pass 1: dotted images + hyphenated labels, raw */
        for (i = 0; i < 4; i++) {
            snprintf(from, sizeof from, "data/mnist-sample/%s.gz", src[i]);
            if (pass == 0) {
                snprintf(path[i], sizeof path[i], "%s/%s.gz", dir, dotted[i]);
                CHECK(copy_file(from, path[i]));
            } else {
                nnet_idx *idx = nnet_idx_load(from);
                FILE *f;
                unlink(path[i]);
                snprintf(path[i], sizeof path[i], "%s/%s", dir, i % 2 ? src[i] : dotted[i]);
                /* write the raw IDX back out from what was loaded */
                f = fopen(path[i], "wb");
                CHECK(idx && f);
                if (idx && f) {
                    unsigned char header[4 + 4 * 3];
                    int d;
                    header[0] = header[1] = 0; header[2] = 8; header[3] = (unsigned char)idx->rank;
                    for (d = 0; d < idx->rank; d++) {
                        header[4 + 4 * d] = (unsigned char)(idx->dims[d] >> 24);
                        header[5 + 4 * d] = (unsigned char)(idx->dims[d] >> 16);
                        header[6 + 4 * d] = (unsigned char)(idx->dims[d] >> 8);
                        header[7 + 4 * d] = (unsigned char)idx->dims[d];
                    }
                    CHECK(fwrite(header, 1, 4 + 4 * (size_t)idx->rank, f) == 4 + 4 * (size_t)idx->rank);
                    CHECK(fwrite(idx->data, 1, idx->count, f) == idx->count);
                }
                if (f) fclose(f);
                nnet_idx_free(idx);
            }
        }
        CHECK_STATUS(nnet_dataset_load_mnist(dir, &train, &test), NNET_OK);
        check_mnist_sample(train, test);
        nnet_dataset_free(train); nnet_dataset_free(test);
    }
    /* a missing labels file is named */
    unlink(path[3]);
    CHECK(nnet_dataset_load_mnist(dir, &train, &test) == NNET_ERR_IO && train == NULL && test == NULL);
    CHECK_MESSAGE("no t10k-labels-idx1-ubyte (or t10k-labels.idx1-ubyte, with or without .gz)");
    for (i = 0; i < 3; i++) unlink(path[i]);
    CHECK(rmdir(dir) == 0);
    CHECK(nnet_dataset_load_mnist(DIR, &train, NULL) == NNET_ERR_IO);
    CHECK_MESSAGE("no train-images-idx3-ubyte");
    CHECK_ERROR(nnet_dataset_load_mnist("no/such/dir", &train, &test), NNET_ERR_IO, "'no/such/dir' is not a directory (No such file");
    CHECK_ERROR(nnet_dataset_load_mnist(DIR "images.idx", &train, &test), NNET_ERR_IO, "is not a directory (it is a file)");
}

/* ---- dataset helpers ---- */

static nnet_dataset *counting_dataset(int n, int features, int classes) {
    nnet_dataset *d = nnet_dataset_create(n, features, classes);
    int i, j;
    if (!d) return NULL;
    for (i = 0; i < n; i++) {
        d->labels[i] = i % classes;
        for (j = 0; j < features; j++) NNET_AT(d->inputs, i, j) = (float)(i * 100 + j);
    }
    return d;
}

static void test_shuffle(void) {
    nnet_dataset *d = counting_dataset(50, 3, 5);
    nnet_rng rng;
    int i, seen[50] = {0}, moved = 0;
    nnet_rng_seed(&rng, 7);
    CHECK_STATUS(nnet_dataset_shuffle(d, &rng), NNET_OK);
    for (i = 0; i < 50; i++) {
        int original = (int)NNET_AT(d->inputs, i, 0) / 100;
        CHECK(original >= 0 && original < 50);
        if (original < 0 || original >= 50) continue;
        seen[original]++;
        moved += original != i;
        CHECK(d->labels[i] == original % 5);                           /* label travels with its row */
        CHECK(NNET_AT(d->inputs, i, 2) == (float)(original * 100 + 2));
    }
    for (i = 0; i < 50; i++) CHECK(seen[i] == 1);                      /* a permutation */
    CHECK(moved > 40);
    CHECK_ERROR(nnet_dataset_shuffle(d, NULL), NNET_ERR_ARGUMENT, "rng is NULL");
    nnet_dataset_free(d);
}

static void test_subset_split(void) {
    nnet_dataset *d = counting_dataset(10, 2, 3), *s, *a, *b;
    s = nnet_dataset_subset(d, 4, 3);
    CHECK(s && s->inputs.rows == 3 && s->n_classes == 3);
    if (s) CHECK(NNET_AT(s->inputs, 0, 1) == 401.0f && s->labels[2] == 6 % 3);
    nnet_dataset_free(s);
    CHECK(nnet_dataset_subset(d, 8, 3) == NULL);
    CHECK_MESSAGE("[8, 8 + 3)");
    CHECK_STATUS(nnet_dataset_split(d, 0.7f, &a, &b), NNET_OK);
    CHECK(a && b && a->inputs.rows == 7 && b->inputs.rows == 3);
    if (a && b) CHECK(NNET_AT(b->inputs, 0, 0) == 700.0f && b->labels[0] == 1);
    nnet_dataset_free(a); nnet_dataset_free(b);
    CHECK_ERROR(nnet_dataset_split(d, 0.01f, &a, &b), NNET_ERR_ARGUMENT, "both must be non-empty");
    CHECK(a == NULL && b == NULL);
    nnet_dataset_free(d);
}

static void test_keep_classes(void) {
    nnet_dataset *d = counting_dataset(20, 2, 10), *k;
    static const int pair[2] = {5, 1}, bad[2] = {1, 1}, out[2] = {1, 10};
    k = nnet_dataset_keep_classes(d, pair, 2);
    CHECK(k && k->inputs.rows == 4 && k->n_classes == 2);
    if (k) {
        /* samples 1, 5, 11, 15 in order; 5 -> 0 and 1 -> 1 (the order given) */
        CHECK(k->labels[0] == 1 && k->labels[1] == 0 && k->labels[2] == 1 && k->labels[3] == 0);
        CHECK(NNET_AT(k->inputs, 1, 0) == 500.0f && NNET_AT(k->inputs, 2, 1) == 1101.0f);
    }
    nnet_dataset_free(k);
    CHECK(nnet_dataset_keep_classes(d, bad, 2) == NULL);
    CHECK_MESSAGE("listed twice");
    CHECK(nnet_dataset_keep_classes(d, out, 2) == NULL);
    CHECK_MESSAGE("classes[1] is 10");
    CHECK(nnet_dataset_keep_classes(d, pair, 1) == NULL);
    CHECK_MESSAGE("expected 2..10");
    nnet_dataset_free(d);
}

static void test_one_hot(void) {
    nnet_dataset *d = counting_dataset(4, 1, 3);
    nnet_mat T = nnet_dataset_one_hot(d);
    int i, j;
    CHECK(T.data && T.rows == 4 && T.cols == 3);
    if (T.data)
        for (i = 0; i < 4; i++)
            for (j = 0; j < 3; j++) CHECK(NNET_AT(T, i, j) == (j == i % 3 ? 1.0f : 0.0f));
    nnet_mat_free(&T);
    nnet_dataset_free(d);
}

static void test_normalize(void) {
    float x[6] = {0, 51, 255, 10, 20, 0}, y[6] = {0, 2, 4, 0, 0, 0};
    nnet_mat X = nnet_mat_view(2, 3, x), Y = nnet_mat_view(2, 3, y);
    CHECK_STATUS(nnet_normalize_divide(X, 0.0f), NNET_OK);
    CHECK_NEAR(x[1], 0.2, 1e-7);
    CHECK_NEAR(x[2], 1.0, 1e-7);
    CHECK_STATUS(nnet_normalize_divide(X, 0.5f), NNET_OK);
    CHECK_NEAR(x[1], 0.4, 1e-6);
    CHECK_STATUS(nnet_normalize_row_max(Y), NNET_OK);
    CHECK(y[1] == 0.5f && y[2] == 1.0f && y[3] == 0.0f && y[5] == 0.0f);  /* an all-zero row stays */
    CHECK_ERROR(nnet_normalize_divide(X, INFINITY), NNET_ERR_ARGUMENT, "divisor");
    CHECK_ERROR(nnet_normalize_row_max(nnet_mat_view(0, 3, NULL)), NNET_ERR_ARGUMENT, "non-empty");
}

static void test_standardize(void) {
    /* training set: feature 0 = 1, 2, 3, 4 (mean 2.5, population std sqrt(1.25)),
       feature 1 constant 7 (std 0: only centred) */
    float train[8] = {1, 7, 2, 7, 3, 7, 4, 7}, test[4] = {2.5f, 7, 5, 8}, mean[2], sd[2];
    nnet_mat X = nnet_mat_view(4, 2, train), T = nnet_mat_view(2, 2, test);
    CHECK_STATUS(nnet_standardize_fit(X, mean, sd), NNET_OK);
    CHECK_NEAR(mean[0], 2.5, 1e-6);
    CHECK_NEAR(sd[0], sqrt(1.25), 1e-6);
    CHECK(mean[1] == 7.0f && sd[1] == 0.0f);
    CHECK_STATUS(nnet_standardize_apply(X, mean, sd), NNET_OK);
    CHECK_NEAR(train[0], -1.5 / sqrt(1.25), 1e-6);
    CHECK(train[1] == 0.0f);
    CHECK_STATUS(nnet_standardize_apply(T, mean, sd), NNET_OK);   /* the training statistics */
    CHECK(test[0] == 0.0f && test[1] == 0.0f);
    CHECK_NEAR(test[2], 2.5 / sqrt(1.25), 1e-6);
    CHECK(test[3] == 1.0f);
    sd[0] = -1.0f;
    CHECK_ERROR(nnet_standardize_apply(T, mean, sd), NNET_ERR_ARGUMENT, "feature 0");
}

static void test_augment_shift(void) {
    /* one 5x4 image per row with a distinct value per pixel; after the shift
       every pixel is either 0 or the value from (x - dx, y - dy) for one
       common (dx, dy) with |dx|, |dy| <= 2. */
    enum { W = 5, H = 4, B = 200 };
    static float x[B * W * H];
    nnet_mat X = nnet_mat_view(B, W * H, x);
    nnet_rng rng;
    int i, p, hist[5][5] = {{0}}, identity = 0;
    for (i = 0; i < B; i++) for (p = 0; p < W * H; p++) x[i * W * H + p] = (float)(p + 1);
    nnet_rng_seed(&rng, 3);
    CHECK_STATUS(nnet_augment_shift(X, W, H, 2, &rng), NNET_OK);
    for (i = 0; i < B; i++) {
        const float *img = x + i * W * H;
        int dx, dy, found = 0;
        for (dy = -2; dy <= 2 && !found; dy++)
            for (dx = -2; dx <= 2 && !found; dx++) {
                int ok = 1, xx, yy;
                for (yy = 0; yy < H; yy++)
                    for (xx = 0; xx < W; xx++) {
                        int sx = xx - dx, sy = yy - dy;
                        float want = sx >= 0 && sx < W && sy >= 0 && sy < H ? (float)(sy * W + sx + 1) : 0.0f;
                        ok &= img[yy * W + xx] == want;
                    }
                if (ok) { found = 1; hist[dy + 2][dx + 2]++; identity += dx == 0 && dy == 0; }
            }
        CHECK(found);
    }
    for (i = 0; i < 25; i++) CHECK(hist[i / 5][i % 5] > 0);   /* every shift occurs */
    CHECK(identity < B / 10);
    CHECK_ERROR(nnet_augment_shift(X, 4, 4, 1, &rng), NNET_ERR_ARGUMENT, "width * height = columns");
    CHECK_ERROR(nnet_augment_shift(X, W, H, 4, &rng), NNET_ERR_ARGUMENT, "max_shift");
    CHECK_STATUS(nnet_augment_shift(X, W, H, 0, &rng), NNET_OK);
}

int main(void) {
    RUN(test_crc32);
    RUN(test_every_type);
    RUN(test_ranks);
    RUN(test_from_memory);
    RUN(test_gzip_valid);
    RUN(test_not_idx);
    RUN(test_bad_idx);
    RUN(test_bad_gzip);
    RUN(test_gzip_size_cap);
    RUN(test_file_errors);
    RUN(test_dataset_errors);
    RUN(test_dataset_small);
    RUN(test_images_in_place);
    RUN(test_mnist_sample);
    RUN(test_bytes_same_as_floats);
    RUN(test_mnist_spellings);
    RUN(test_shuffle);
    RUN(test_subset_split);
    RUN(test_keep_classes);
    RUN(test_one_hot);
    RUN(test_normalize);
    RUN(test_standardize);
    RUN(test_augment_shift);
    return test_summary("test_idx");
}
