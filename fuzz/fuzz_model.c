/* fuzz/fuzz_model.c - libFuzzer target for the model-file loaders.

   Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_model.c -o fuzz_model
   Run:   ./fuzz_model -dict=fuzz/model.dict fuzz/corpus/model
   (fuzz/fuzz_main.c replays a crash input without libFuzzer.)

   Every input goes to nnet_load_from_memory, and to nnet_load_weights_from_memory
   into a 4-8-6-3 network. A file that loads must save and load again to the
   same parameters, statistics and names, bit for bit. Since a mutated data section almost always
   fails the CRC check, each input whose header has a "crc32":"........" is
   also tried with that CRC replaced by the right one, so mutations reach the
   checks behind it (metadata, shapes, NaN). */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_one(const uint8_t *data, size_t size);

// Whether two lists of n names (either may be NULL) are the same.
static int same_names(char *const *a, char *const *b, int n) {
    int i;
    if (!a || !b) return a == b;
    for (i = 0; i < n; i++) if (strcmp(a[i], b[i]) != 0) return 0;
    return 1;
}

// Whether two networks carry the same statistics and names.
static int same_extras(const nnet *a, const nnet *b) {
    size_t I = (size_t)a->n_inputs, O = (size_t)nnet_output_size(a);
    return !a->input_mean == !b->input_mean && !a->target_mean == !b->target_mean &&
           (!a->input_mean || (!memcmp(a->input_mean, b->input_mean, I * sizeof(float)) &&
                               !memcmp(a->input_stddev, b->input_stddev, I * sizeof(float)))) &&
           (!a->target_mean || (!memcmp(a->target_mean, b->target_mean, O * sizeof(float)) &&
                                !memcmp(a->target_stddev, b->target_stddev, O * sizeof(float)))) &&
           a->n_target_names == b->n_target_names && a->n_class_names == b->n_class_names &&
           same_names(a->input_names, b->input_names, a->n_inputs) &&
           same_names(a->target_names, b->target_names, a->n_target_names) &&
           same_names(a->class_names, b->class_names, a->n_class_names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char key[] = "\"crc32\":\"";
    uint64_t header = 0;
    size_t i, k;
    int b;
    load_one(data, size);
    if (size < 8) return 0;
    for (b = 7; b >= 0; b--) header = header << 8 | data[b];
    if (header > size - 8) return 0;
    for (i = 8; i + sizeof key - 1 + 8 <= 8 + header; i++)
        if (memcmp(data + i, key, sizeof key - 1) == 0) {
            uint8_t *copy = (uint8_t *)malloc(size);
            uint32_t crc;
            if (!copy) return 0;
            memcpy(copy, data, size);
            crc = nnet__crc32(0, data + 8 + header, size - 8 - (size_t)header);
            for (k = 0; k < 8; k++) copy[i + sizeof key - 1 + k] = (uint8_t)"0123456789abcdef"[(crc >> (28 - 4 * k)) & 15];
            load_one(copy, size);
            free(copy);
            break;
        }
    return 0;
}

static void load_one(const uint8_t *data, size_t size) {
    nnet_desc d;
    nnet *net = nnet_load_from_memory(data, size), *target;
    if (net) {
        size_t n = 0;
        unsigned char *copy;
        if (nnet_save_to_memory(net, NULL, 0, &n) != NNET_OK) abort();
        copy = (unsigned char *)malloc(n);
        if (!copy || nnet_save_to_memory(net, copy, n, &n) != NNET_OK) abort();
        {
            nnet *again = nnet_load_from_memory(copy, n);
            if (!again || again->n_parameters != net->n_parameters ||
                memcmp(again->parameters, net->parameters, net->n_parameters * sizeof(float)) != 0 || !same_extras(net, again))
                abort();
            nnet_free(again);
        }
        free(copy);
        nnet_free(net);
    }
    memset(&d, 0, sizeof d);
    d.n_inputs = 4; d.n_layers = 3; d.sizes[0] = 8; d.sizes[1] = 6; d.sizes[2] = 3;
    target = nnet_create(&d);
    if (target) nnet_load_weights_from_memory(target, data, size);
    nnet_free(target);
}
