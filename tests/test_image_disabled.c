/* tests/test_image_disabled.c - image input without stb_image: this file
   does not include <stb/stb_image.h>, so the decoders are not compiled in.
   The loaders must say how to enable them, and the preprocessing steps,
   which need no decoder, must still work. (tests/test_image_nopng.c covers
   NNET_NO_PNG with stb_image included.) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

static void test_loaders_say_how_to_enable(void) {
    float px[784];
    unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    CHECK_ERROR(nnet_image_load_mnist("data/digits/7_inverted.png", px), NNET_ERR_UNSUPPORTED, "#include <stb/stb_image.h>");
    CHECK(strstr(nnet_error(), "-lstb") != NULL && strstr(nnet_error(), "7_inverted.png") != NULL);
    CHECK_ERROR(nnet_image_load_mnist_from_memory(png, sizeof png, px), NNET_ERR_UNSUPPORTED, "#include <stb/stb_image.h>");
    CHECK_ERROR(nnet_image_load_mnist_from_memory(NULL, 8, px), NNET_ERR_ARGUMENT, "NULL");
}

static void test_pipeline_without_decoder(void) {
    static unsigned char page[40 * 40];
    float px[784];
    int y;
    memset(page, 255, sizeof page);
    for (y = 5; y < 35; y++) page[y * 40 + 20] = 0;     /* a "1" */
    CHECK_STATUS(nnet_image_to_mnist(page, 40, 40, px), NNET_OK);
    CHECK_NEAR(px[14 * 28 + 14], 1.0, 1e-6);
    CHECK_NEAR(px[14 * 28 + 13], 0.0, 0);
}

int main(void) {
    RUN(test_loaders_say_how_to_enable);
    RUN(test_pipeline_without_decoder);
    return test_summary("test_image_disabled");
}
