/* tests/test_gemm_portable.c - tests/test_gemm_fast.c on the portable C
   kernels (NNET_NO_SIMD), which machines without AVX2 or AVX-512 run. */
#define NNET_NO_SIMD
#define TEST_NAME "test_gemm_portable"
#include "test_gemm_fast.c"
