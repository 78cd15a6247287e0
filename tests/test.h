/* tests/test.h - the tiny shared test helper (minctest style).
   Each tests/test_*.c defines NNET_IMPLEMENTATION, includes nnet.h and this
   file, writes `static void name(void)` functions that use CHECK*, and ends
   main with `return test_summary("file");`, which prints
   "file: N passed, M failed" (one test = one RUN) and returns nonzero on
   failure. tests/run.sh adds those lines up. */
#ifndef TEST_H_INCLUDED
#define TEST_H_INCLUDED
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed, test_current_failures;

/* A failed check prints where it is and what it saw, and marks the test. */
#define CHECK(cond) do { if (!(cond)) { test_current_failures++; \
    printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_NEAR(actual, expected, tolerance) do { double a_ = (double)(actual), e_ = (double)(expected); \
    if (!(fabs(a_ - e_) <= (tolerance))) { test_current_failures++; \
    printf("  %s:%d: %s = %.9g, expected %s = %.9g (tolerance %g)\n", __FILE__, __LINE__, \
           #actual, a_, #expected, e_, (double)(tolerance)); } } while (0)
#define CHECK_STATUS(call, expected) do { int s_ = (call); if (s_ != (expected)) { test_current_failures++; \
    printf("  %s:%d: %s returned %d, expected %d (%s)\n", __FILE__, __LINE__, #call, s_, (int)(expected), \
           nnet_error()); } } while (0)
/* The call failed and its message mentions `needle`. */
#define CHECK_ERROR(call, expected, needle) do { CHECK_STATUS(call, expected); \
    if (!strstr(nnet_error(), (needle))) { test_current_failures++; \
    printf("  %s:%d: message \"%s\" does not mention \"%s\"\n", __FILE__, __LINE__, nnet_error(), (needle)); } } while (0)

#define RUN(test) do { test_current_failures = 0; test(); \
    if (test_current_failures) { test_failed++; printf("FAIL %s\n", #test); } \
    else { test_passed++; printf("ok   %s\n", #test); } fflush(stdout); } while (0)

/* The whole file in malloc'd memory (one spare byte), or NULL; *size is its
   length. Tests read fixtures with it rather than with the code under test. */
static unsigned char *test_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *data;
    long n;
    *size = 0;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    data = (unsigned char *)malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) { free(data); data = NULL; }
    fclose(f);
    if (data) *size = (size_t)n;
    return data;
}

/* f(z) of an element-wise activation in double, straight from its formula:
   the reference the library's float code is checked against. Softmax is
   per row, so callers handle it themselves. Needs nnet.h included first. */
static double test_activation(nnet_activation act, double z, double slope) {
    switch (act) {
    case NNET_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case NNET_ACT_TANH: return tanh(z);
    case NNET_ACT_RELU: return z > 0 ? z : 0;
    case NNET_ACT_LEAKY_RELU: return z > 0 ? z : slope * z;
    default: return z;
    }
}

static int test_summary(const char *file) {
    (void)test_read_file;   /* not every test reads fixtures */
    (void)test_activation;  /* or checks activations */
    printf("%s: %d passed, %d failed\n", file, test_passed, test_failed);
    return test_failed != 0;
}
#endif
