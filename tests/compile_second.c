/* tests/compile_second.c - the second translation unit of tests/test_compile:
   it includes nnet.h for the declarations only (always compiled as C99) and
   calls the implementation that lives in tests/test_compile.c. */
#include <string.h>
#include "nnet.h"

#if defined(NNET_IMPLEMENTATION) || defined(NNET_IMPLEMENTATION_DONE)
#error "the second unit must not compile the implementation"
#endif

uint64_t compile_second_rng(uint64_t seed);
int compile_second_network(float *output);
const char *compile_second_error(void);

uint64_t compile_second_rng(uint64_t seed) {
    nnet_rng rng;
    nnet_rng_seed(&rng, seed);
    return nnet_rng_next(&rng);
}

// The same 3-4-2 network as test_compile.c's network_output.
int compile_second_network(float *output) {
    nnet_desc d;
    nnet *net;
    float x[3] = {0.5f, -1.0f, 2.0f};
    int status;
    memset(&d, 0, sizeof d);
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 4; d.sizes[1] = 2; d.seed = 42;
    net = nnet_create(&d);
    if (!net) return NNET_ERR_MEMORY;
    status = nnet_forward(net, nnet_mat_view(1, 3, x), 0, NULL);
    if (status == NNET_OK) memcpy(output, nnet_output(net).data, 2 * sizeof(float));
    nnet_free(net);
    return status;
}

// Fails on purpose: the message must be visible from the other unit.
const char *compile_second_error(void) {
    nnet_desc d;
    memset(&d, 0, sizeof d);
    if (nnet_create(&d) != NULL) return "nnet_create accepted 0 layers";
    return nnet_error();
}
