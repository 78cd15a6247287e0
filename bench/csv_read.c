/* bench/csv_read.c - how fast nnet_csv_load_from_memory reads a table.
   Writes a CSV in memory (ROWS rows of COLS numbers as "%.6g" of normal draws, and a
   class column of three words), reads it 5 times and prints the best time, in
   MB/s and in numbers per second.
   Build: cc -std=c99 -O3 -march=native -I. bench/csv_read.c -o bench/csv_read -lm
   Run:   ./bench/csv_read [ROWS [COLS]]     (default 200000 rows, 30 columns) */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }

int main(int argc, char **argv) {
    static const char *const words[3] = {"setosa", "versicolor", "virginica"};
    int rows = argc > 1 ? atoi(argv[1]) : 200000, cols = argc > 2 ? atoi(argv[2]) : 30, i, j, run;
    size_t cap, used = 0;
    char *text;
    double best = 1e30;
    nnet_rng rng;
    if (rows < 1 || cols < 1 || rows > 10000000 || cols > 10000) return fprintf(stderr, "csv_read: bad ROWS or COLS\n"), 2;
    cap = (size_t)rows * ((size_t)cols * 16 + 16) + (size_t)cols * 8 + 64;
    if (!(text = (char *)malloc(cap))) return fprintf(stderr, "csv_read: out of memory\n"), 1;
    for (j = 0; j < cols; j++) used += (size_t)sprintf(text + used, "x%d,", j);
    used += (size_t)sprintf(text + used, "kind\n");
    nnet_rng_seed(&rng, 1);
    for (i = 0; i < rows; i++) {
        for (j = 0; j < cols; j++) used += (size_t)sprintf(text + used, "%.6g,", (double)(10.0f * nnet_rng_normal(&rng)));
        used += (size_t)sprintf(text + used, "%s\n", words[nnet_rng_below(&rng, 3)]);
    }
    for (run = 0; run < 5; run++) {
        double start = now(), seconds;
        nnet_csv *csv = nnet_csv_load_from_memory(text, used, NULL, "bench");
        seconds = now() - start;
        if (!csv) return fprintf(stderr, "csv_read: %s\n", nnet_error()), 1;
        nnet_csv_free(csv);
        if (seconds < best) best = seconds;
    }
    printf("%d rows x %d numbers + a class column, %.1f MB: best of 5 reads %.3f s, %.0f MB/s, %.1f million numbers/s\n",
           rows, cols, (double)used / 1e6, best, (double)used / 1e6 / best, (double)rows * cols / 1e6 / best);
    free(text);
    return 0;
}
