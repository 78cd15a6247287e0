/* fuzz/fuzz_image.c - libFuzzer target for the image loader: every input is
   handed to nnet_image_load_mnist_from_memory (stb_image decoding, nnet's
   size cap, then the MNIST preprocessing).

   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_image.c -o /tmp/fuzz_image -lstb
   nice /tmp/fuzz_image -max_total_time=600 fuzz/corpus/image   (a copy, to keep the seeds clean)

   libstb itself is the system's shared library and is not instrumented: a
   memory error inside it shows up only if it crashes, and libFuzzer sees no
   coverage inside it. To fuzz the decoders with coverage and ASan/UBSan,
   compile stb_image's implementation (same Debian header) into the target:

   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -DSTB_IMAGE_IMPLEMENTATION fuzz/fuzz_image.c -o /tmp/fuzz_image_src -lm

   Replay one input without libFuzzer with fuzz/fuzz_main.c.

   The pixel cap is lowered to 2^22 (default 2^26) so that headers claiming
   huge images do not make each run allocate hundreds of megabytes; the cap
   check itself is the same code. Override with -DNNET_IMAGE_MAX_PIXELS=... */
#include <stddef.h>
#include <stdint.h>
#include <stb/stb_image.h>
#ifndef NNET_IMAGE_MAX_PIXELS
#define NNET_IMAGE_MAX_PIXELS (1 << 22)
#endif
#define NNET_IMPLEMENTATION
#include "nnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    float pixels[784];
    int status = nnet_image_load_mnist_from_memory(data, size, pixels), i;
    if (status == NNET_OK)
        for (i = 0; i < 784; i++) NNET_ASSERT(pixels[i] >= 0.0f && pixels[i] <= 1.0f);
    else
        NNET_ASSERT(nnet_error()[0] != '\0');
    return 0;
}
