/* tests/test_image_nopng.c - NNET_NO_PNG turns image decoding off even when
   the program includes stb_image. */
#include <stb/stb_image.h>
#define NNET_NO_PNG
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

static void test_no_png_forces_decoding_off(void) {
    float px[784];
    CHECK_ERROR(nnet_image_load_mnist("data/digits/7_inverted.png", px), NNET_ERR_UNSUPPORTED, "NNET_NO_PNG");
    CHECK_ERROR(nnet_image_load_mnist_from_memory(px, sizeof px, px), NNET_ERR_UNSUPPORTED, "NNET_NO_PNG");
}

int main(void) {
    RUN(test_no_png_forces_decoding_off);
    return test_summary("test_image_nopng");
}
