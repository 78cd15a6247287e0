/* tests/test_compile.c - nnet.h builds in every way STYLE.md 22d asks for.
   The Makefile compiles this file four times:
     tests/test_compile         C99, with tests/compile_second.c as a second
                                translation unit that only includes the
                                declarations (no NNET_IMPLEMENTATION)
     tests/asan_compile         the same under ASan/UBSan
     tests/test_compile_cpp     this file as C++11 (g++ -x c++), linked with
                                compile_second.c compiled as C: the C++ unit
                                holds the implementation, so extern "C" must work
     tests/test_compile_static  C99 with NNET_STATIC, one unit
   Every build calls library functions from each unit, so a misspelled
   NNET_IMPLEMENTATION fails to link, and an implementation compiled into
   both units fails with duplicate symbols. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "nnet.h"   /* a second include is harmless, implementation included */
#include "test.h"

#ifndef NNET_IMPLEMENTATION_DONE
#error "NNET_IMPLEMENTATION did not compile the implementation"
#endif

#ifdef __cplusplus
#define BUILD "test_compile_cpp"
#elif defined(NNET_STATIC)
#define BUILD "test_compile_static"
#else
#define BUILD "test_compile"
#endif

#ifndef NNET_STATIC
/* tests/compile_second.c: the same computations through declarations only */
#ifdef __cplusplus
extern "C" {
#endif
uint64_t compile_second_rng(uint64_t seed);
int compile_second_network(float *output);
const char *compile_second_error(void);
#ifdef __cplusplus
}
#endif
#endif

// A 3-4-2 network's softmax output for one fixed input.
static int network_output(float *output) {
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

static void library_runs(void) {
    nnet_rng rng;
    float out[2];
    char version[16];
    snprintf(version, sizeof version, "%d.%d", NNET_VERSION_MAJOR, NNET_VERSION_MINOR);
    CHECK(strcmp(version, NNET_VERSION_STRING) == 0);
    nnet_rng_seed(&rng, 5);
    CHECK(nnet_rng_next(&rng) != 0);
    CHECK_STATUS(network_output(out), NNET_OK);
    CHECK(out[0] > 0.0f && out[1] > 0.0f && fabs(out[0] + out[1] - 1.0) < 1e-6);
    CHECK(nnet_create(NULL) == NULL && strstr(nnet_error(), "desc is NULL"));
}

#ifndef NNET_STATIC
// Both units see the same functions and the same thread-local error message.
static void second_unit_agrees(void) {
    nnet_rng rng;
    float mine[2], theirs[2];
    nnet_rng_seed(&rng, 99);
    CHECK(compile_second_rng(99) == nnet_rng_next(&rng));
    CHECK_STATUS(network_output(mine), NNET_OK);
    CHECK_STATUS(compile_second_network(theirs), NNET_OK);
    CHECK(memcmp(mine, theirs, sizeof mine) == 0);
    CHECK(strstr(compile_second_error(), "n_layers is 0") != NULL);
    CHECK(strstr(nnet_error(), "n_layers is 0") != NULL);
}
#endif

int main(void) {
    RUN(library_runs);
#ifndef NNET_STATIC
    RUN(second_unit_agrees);
#endif
    return test_summary(BUILD);
}
