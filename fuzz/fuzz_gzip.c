/* fuzz/fuzz_gzip.c - libFuzzer target: the .gz path from memory.

   Runs the gzip reader (header with FEXTRA/FNAME/FCOMMENT/FHCRC, the ISIZE
   bounds, stb_image's inflater, CRC-32 and ISIZE checks) on arbitrary bytes,
   then parses whatever inflates as IDX. stb_image's implementation is
   compiled into this file so the fuzzer is guided through the inflater too.

      make fuzz                      (all targets, FUZZ_SECONDS each)
      clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_gzip.c -o fuzz/fuzz_gzip -lm
      ./fuzz/fuzz_gzip fuzz/work/gzip fuzz/corpus/gzip
   Replay a crash without libFuzzer: see fuzz/fuzz_main.c. */
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG          /* keeps the zlib inflater, drops the other decoders */
#define STBI_NO_STDIO
#include <stb/stb_image.h>
#define NNET_IMPLEMENTATION
#include "nnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *raw = NULL;
    size_t raw_size = 0;
    int status = nnet__gunzip(data, size, "fuzz", "input", &raw, &raw_size);
    if (status == NNET_OK) {
        nnet_idx *idx;
        NNET_ASSERT(raw != NULL);
        idx = nnet_idx_load_from_memory(raw, raw_size, "inflated");
        nnet_idx_free(idx);
        NNET_FREE(raw);
    } else {
        NNET_ASSERT(raw == NULL && nnet_error()[0] != '\0');
    }
    /* and the public path, which must agree on acceptance */
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        nnet_idx *idx = nnet_idx_load_from_memory(data, size, "fuzz");
        NNET_ASSERT(!idx || status == NNET_OK);
        nnet_idx_free(idx);
    }
    return 0;
}
