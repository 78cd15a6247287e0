/* tests/test_idx_nostb.c - the IDX loader in a program that does not include
   stb_image: raw IDX still loads, and a .gz file fails with a message that
   says how to enable gzip support. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

#ifdef STBI_INCLUDE_STB_IMAGE_H
#error "this test must be built without stb_image"
#endif

static void test_raw_still_loads(void) {
    nnet_dataset *d = nnet_dataset_load_idx("tests/data/idx/images.idx", "tests/data/idx/labels.idx");
    CHECK(d && d->inputs.rows == 3 && d->inputs.cols == 4 && d->n_classes == 10);
    if (d) CHECK(d->labels[0] == 7 && d->labels[2] == 9 && d->bytes && d->bytes[1] == 255);
    nnet_dataset_free(d);
}

static void test_gzip_needs_stb(void) {
    nnet_dataset *train = NULL;
    nnet_idx *idx = nnet_idx_load("tests/data/idx/all_fields.idx.gz");
    CHECK(idx == NULL);
    nnet_idx_free(idx);
    CHECK(strstr(nnet_error(), "is gzip-compressed (starts 1f 8b) and this program was built without stb_image") != NULL);
    CHECK(strstr(nnet_error(), "#include <stb/stb_image.h> before the NNET_IMPLEMENTATION include and link with -lstb") != NULL);
    CHECK_ERROR(nnet_dataset_load_mnist("data/mnist-sample", &train, NULL), NNET_ERR_UNSUPPORTED,
                "'data/mnist-sample/train-labels-idx1-ubyte.gz' is gzip-compressed");
    CHECK(train == NULL);
}

int main(void) {
    RUN(test_raw_still_loads);
    RUN(test_gzip_needs_stb);
    return test_summary("test_idx_nostb");
}
