/* tests/test_cli.c - the example programs as a user runs them: bad flags and
   files give exit status 2 and one line on stderr; mnist trains on a tiny
   generated MNIST-layout directory and writes its result line, model, history
   and plots; pair trains on two of its classes; predict and quickstart read
   what was saved. Needs the examples built (make builds them first) and runs
   from the repository root. */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include <sys/wait.h>

static char dir[64];   // the temporary directory of this run

// Run `command` with stdout and stderr to files in dir; return the exit status
// (-1 if it did not exit normally), and the number of stderr lines.
static int run(const char *command, int *stderr_lines) {
    char line[4200];
    int status, c, lines = 0;
    FILE *f;
    snprintf(line, sizeof line, "%s >%s/out.txt 2>%s/err.txt", command, dir, dir);
    status = system(line);
    snprintf(line, sizeof line, "%s/err.txt", dir);
    if ((f = fopen(line, "r"))) { while ((c = fgetc(f)) != EOF) lines += c == '\n'; fclose(f); }
    if (stderr_lines) *stderr_lines = lines;
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The last line of the last run's stdout (or "" if none).
static const char *last_line(char *buffer, size_t size) {
    char path[128], line[4096];
    FILE *f;
    buffer[0] = '\0';
    snprintf(path, sizeof path, "%s/out.txt", dir);
    if (!(f = fopen(path, "r"))) return buffer;
    while (fgets(line, sizeof line, f)) { strncpy(buffer, line, size - 1); buffer[size - 1] = '\0'; }
    fclose(f);
    return buffer;
}

static void expect_bad(const char *command) {
    int lines = -1, status = run(command, &lines);
    if (status != 2 || lines != 1) printf("  %s: exit status %d with %d stderr lines, expected 2 and 1\n", command, status, lines);
    CHECK(status == 2);
    CHECK(lines == 1);
}

static void bad_flags_and_files(void) {
    expect_bad("examples/mnist --bogus");
    expect_bad("examples/mnist --lr");
    expect_bad("examples/mnist --lr fast");
    expect_bad("examples/mnist --epochs 2.5");
    expect_bad("examples/mnist --layers 784");
    expect_bad("examples/mnist --layers 784,x,10");
    expect_bad("examples/mnist --act swish");
    expect_bad("examples/mnist --data /nonexistent/mnist");
    expect_bad("examples/pair --digits 3,3");
    expect_bad("examples/pair --layers 784,10");
    expect_bad("examples/pair --data /nonexistent/mnist");
    expect_bad("examples/predict");
    expect_bad("examples/predict /nonexistent/model.nnet x.png");
    expect_bad("examples/predict tests/test.h --idx data/mnist-sample");
}

// Write a big-endian 32-bit integer.
static void put32(FILE *f, unsigned v) { fputc((int)(v >> 24), f); fputc((int)(v >> 16) & 255, f); fputc((int)(v >> 8) & 255, f); fputc((int)v & 255, f); }

// A tiny MNIST-layout set, raw IDX: class k is a bright horizontal bar on
// rows 2k+4 and 2k+5 with a random horizontal extent and a little noise.
static void write_idx(const char *images, const char *labels, int n, nnet_rng *rng) {
    char path[128];
    FILE *fi, *fl;
    int i, p;
    snprintf(path, sizeof path, "%s/%s", dir, images); fi = fopen(path, "wb");
    snprintf(path, sizeof path, "%s/%s", dir, labels); fl = fopen(path, "wb");
    CHECK(fi && fl);
    if (!fi || !fl) { if (fi) fclose(fi); if (fl) fclose(fl); return; }
    put32(fi, 0x803); put32(fi, (unsigned)n); put32(fi, 28); put32(fi, 28);
    put32(fl, 0x801); put32(fl, (unsigned)n);
    for (i = 0; i < n; i++) {
        int k = i % 10, start = (int)nnet_rng_below(rng, 8), end = 20 + (int)nnet_rng_below(rng, 8);
        for (p = 0; p < 784; p++) {
            int row = p / 28, col = p % 28, on = (row == 2 * k + 4 || row == 2 * k + 5) && col >= start && col < end;
            fputc(on ? 255 : (int)nnet_rng_below(rng, 40), fi);
        }
        fputc(k, fl);
    }
    fclose(fi); fclose(fl);
}

static void mnist_trains_saves_and_predict_reads(void) {
    char command[1024], last[256], path[128];
    double accuracy = 0, loss = 0, seconds = -1;
    int lines, i;
    nnet_rng rng;
    FILE *f;
    nnet_rng_seed(&rng, 3);
    write_idx("train-images-idx3-ubyte", "train-labels-idx1-ubyte", 300, &rng);
    write_idx("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 100, &rng);
    snprintf(command, sizeof command, "examples/mnist --data %s --layers 784,16,10 --epochs 3 --val-split 0.2 "
             "--save %s/m.nnet --history %s/h.csv --plots %s/plots", dir, dir, dir, dir);
    CHECK(run(command, &lines) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "accuracy=%lf loss=%lf train_seconds=%lf", &accuracy, &loss, &seconds) == 3);
    CHECK(strncmp(last, "accuracy=", 9) == 0);
    CHECK(accuracy >= 0.9 && accuracy <= 1.0);
    CHECK(loss > 0.0 && loss < 1.0 && seconds >= 0.0);
    snprintf(path, sizeof path, "%s/h.csv", dir);
    if ((f = fopen(path, "r"))) {   // a header and one row per epoch
        for (lines = 0; fgets(command, sizeof command, f);) lines++;
        fclose(f);
        CHECK(lines == 4);
    } else CHECK(!"history file written");
    for (i = 0; i < 4; i++) {
        const char *names[4] = {"history", "confusion", "roc", "pr"};
        snprintf(path, sizeof path, "%s/plots/%s.svg", dir, names[i]);
        f = fopen(path, "r");
        CHECK(f && fgets(command, sizeof command, f) && strncmp(command, "<svg", 4) == 0);
        if (f) fclose(f);
    }
    snprintf(command, sizeof command, "examples/predict %s/m.nnet --idx %s", dir, dir);
    CHECK(run(command, &lines) == 0);
    CHECK(strncmp(last_line(last, sizeof last), "accuracy=", 9) == 0);
    snprintf(command, sizeof command, "examples/pair --data %s --digits 2,7 --layers 784,8,1 --epochs 3 --quiet", dir);
    CHECK(run(command, &lines) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "accuracy=%lf loss=%lf train_seconds=%lf", &accuracy, &loss, &seconds) == 3);
    CHECK(accuracy >= 0.9 && accuracy <= 1.0);
    snprintf(command, sizeof command, "examples/quickstart %s/xor.nnet", dir);
    CHECK(run(command, &lines) == 0 && lines == 0);
    CHECK(strstr(last_line(last, sizeof last), "all 4 correct") != NULL);
}

int main(void) {
    char command[128];
    strcpy(dir, "/tmp/nnet_test_cli_XXXXXX");
    if (!mkdtemp(dir)) { printf("test_cli: cannot create a temporary directory\n"); return 1; }
    RUN(bad_flags_and_files);
    RUN(mnist_trains_saves_and_predict_reads);
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0) printf("  could not remove %s\n", dir);
    return test_summary("test_cli");
}
