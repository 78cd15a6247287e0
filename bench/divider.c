/* What Adam's step costs the divider: nanoseconds of throughput of a 512-bit
   square root and division, and whether they overlap with FMAs.
   Build: cc -O2 -march=native bench/divider.c -o bench/divider  (AVX-512)
   Run:   taskset -c 0 bench/divider */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* 8 FMAs on 8 independent sums (written out: kept in registers); a square
   root and a division of a new x. */
#define FMA8 f0 = _mm512_fmadd_ps(f0, b, c); f1 = _mm512_fmadd_ps(f1, b, c); f2 = _mm512_fmadd_ps(f2, b, c); \
             f3 = _mm512_fmadd_ps(f3, b, c); f4 = _mm512_fmadd_ps(f4, b, c); f5 = _mm512_fmadd_ps(f5, b, c); \
             f6 = _mm512_fmadd_ps(f6, b, c); f7 = _mm512_fmadd_ps(f7, b, c);
#define FMA16 FMA8 FMA8
/* ROOT, DIVIDE: one of the two alone, as in ROOT_AND_DIVIDE. */
#define ROOT x = _mm512_add_ps(x, one); roots = _mm512_add_ps(roots, _mm512_sqrt_ps(x));
#define DIVIDE x = _mm512_add_ps(x, one); quotients = _mm512_add_ps(quotients, _mm512_div_ps(one, x));
#define ROOT_AND_DIVIDE x = _mm512_add_ps(x, one); roots = _mm512_add_ps(roots, _mm512_sqrt_ps(x)); \
                        quotients = _mm512_add_ps(quotients, _mm512_div_ps(one, x));

int main(void) {
    __m512 f0, f1, f2, f3, f4, f5, f6, f7, b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-9f), one = _mm512_set1_ps(1.0f);
    __m512 x = one, roots = _mm512_setzero_ps(), quotients = roots;
    long i, n = 20000000;
    double t0, t1, t2, t3, t4, t5;
    float sum = 0.0f;
    f0 = f1 = f2 = f3 = f4 = f5 = f6 = f7 = one;
    t0 = now();
    for (i = 0; i < n; i++) { FMA16 FMA16 }
    t1 = now();
    for (i = 0; i < n; i++) { ROOT_AND_DIVIDE ROOT_AND_DIVIDE }
    t2 = now();
    for (i = 0; i < n; i++) { FMA16 ROOT_AND_DIVIDE FMA16 ROOT_AND_DIVIDE }
    t3 = now();
    for (i = 0; i < n; i++) { ROOT ROOT }
    t4 = now();
    for (i = 0; i < n; i++) { DIVIDE DIVIDE }
    t5 = now();
    sum += _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_add_ps(f0, f1), _mm512_add_ps(f2, f3)),
                                              _mm512_add_ps(_mm512_add_ps(f4, f5), _mm512_add_ps(f6, f7))));
    sum += _mm512_reduce_add_ps(_mm512_add_ps(roots, quotients));
    printf("ns per round: 32 FMAs %.2f | 2 square roots and 2 divisions %.2f | both %.2f | 2 square roots %.2f | "
           "2 divisions %.2f  (checksum %g)\n", (t1 - t0) / n * 1e9, (t2 - t1) / n * 1e9, (t3 - t2) / n * 1e9,
           (t4 - t3) / n * 1e9, (t5 - t4) / n * 1e9, (double)sum);
    return 0;
}
