/* tests/reading_fast.c - the fast build's half of tests/test_reading.c: the
   same run as the reading build's, on Part III (SIMD, tiling, 2 threads).
   NNET_STATIC keeps this copy of the library apart from the reading one. */
#define NNET_STATIC
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <string.h>
#include "reading_case.h"

int reading_fast_train(float *weights, size_t capacity, size_t *n);
int reading_fast_train(float *weights, size_t capacity, size_t *n) { return reading_case_train(2, weights, capacity, n); }
