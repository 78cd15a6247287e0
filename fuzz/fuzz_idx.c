/* fuzz/fuzz_idx.c - libFuzzer target: IDX parsing from memory.

   Feeds arbitrary bytes to nnet_idx_load_from_memory, reads every element
   of what it accepts, and turns accepted arrays into a dataset (the same
   array as images and labels, so rank-1 inputs reach the label checks).
   Built without stb_image, so gzip input takes the "needs stb_image" path;
   fuzz/fuzz_gzip.c covers inflating.

      make fuzz                      (all targets, FUZZ_SECONDS each)
      clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_idx.c -o fuzz/fuzz_idx -lm
      ./fuzz/fuzz_idx fuzz/work/idx fuzz/corpus/idx
   Replay a crash without libFuzzer: see fuzz/fuzz_main.c. */
#define NNET_IMPLEMENTATION
#include "nnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nnet_idx *idx = nnet_idx_load_from_memory(data, size, "fuzz");
    nnet_dataset *set;
    double sum = 0.0;
    size_t k;
    NNET_ASSERT(idx || nnet_error()[0] != '\0');   /* a failure always explains itself */
    if (!idx) return 0;
    NNET_ASSERT(idx->rank >= 1 && idx->rank <= NNET_IDX_MAX_RANK);
    for (k = 0; k < idx->count; k++) sum += nnet_idx_value(idx, k);
    (void)sum;
    set = nnet_dataset_from_idx(idx, idx, 0);
    if (set) {
        NNET_ASSERT(set->inputs.rows == idx->dims[0]);
        for (k = 0; k < (size_t)set->inputs.rows; k++)
            NNET_ASSERT(set->labels[k] >= 0 && set->labels[k] < set->n_classes);
    }
    nnet_dataset_free(set);
    nnet_idx_free(idx);
    return 0;
}
