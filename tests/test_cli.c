/* tests/test_cli.c - the example programs as a user runs them: bad flags and
   files give exit status 2 and one line on stderr; mnist trains on a tiny
   generated MNIST-layout directory and writes its result line, model, history
   and plots; pair trains on two of its classes; predict and quickstart read
   what was saved; mnist's optimiser, early-stopping and checkpoint flags
   work, and a run resumed from a checkpoint saves the same bytes as one run
   straight through; quantize writes an int8 model, test digits and their
   expected predictions; tabular cross-validates on data/tabular and saves a
   model that predict --csv runs on raw rows, answering with class names.
   Needs the examples built (make builds them first) and
   runs from the repository root. */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp, getcwd */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

// The first line of the last run's stdout ("out.txt") or stderr ("err.txt")
// that contains needle, copied into buffer; NULL if none does.
static const char *find_line(const char *file, const char *needle, char *buffer, size_t size) {
    char path[128];
    FILE *f;
    const char *found = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (!(f = fopen(path, "r"))) return NULL;
    while (!found && fgets(buffer, (int)size, f)) if (strstr(buffer, needle)) found = buffer;
    fclose(f);
    return found;
}

// Whether two files (in dir) hold the same bytes; both must exist.
static int same_bytes(const char *a, const char *b) {
    char path[128];
    size_t size_a, size_b;
    unsigned char *bytes_a, *bytes_b;
    int same;
    snprintf(path, sizeof path, "%s/%s", dir, a); bytes_a = test_read_file(path, &size_a);
    snprintf(path, sizeof path, "%s/%s", dir, b); bytes_b = test_read_file(path, &size_b);
    same = bytes_a && bytes_b && size_a == size_b && memcmp(bytes_a, bytes_b, size_a) == 0;
    free(bytes_a); free(bytes_b);
    return same;
}

// The training position of a checkpoint in dir: its epoch, or -1 if it does not load.
static int checkpoint_epoch(const char *name) {
    char path[128];
    nnet *net;
    int epoch;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(net = nnet_load(path))) return -1;
    epoch = net->epoch;
    nnet_free(net);
    return epoch;
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
    expect_bad("examples/tabular");
    expect_bad("examples/tabular --csv /nonexistent/data.csv");
    expect_bad("examples/tabular --csv tests/data/csv/ragged_short.csv");
    expect_bad("examples/tabular --csv data/tabular/iris.csv --target petals");
    expect_bad("examples/tabular --csv data/tabular/iris.csv --task clustering");
    expect_bad("examples/tabular --csv data/tabular/iris.csv --folds 1");
    expect_bad("examples/tabular --csv data/tabular/iris.csv --layers 0");
    expect_bad("examples/tabular --csv data/tabular/iris.csv --fold-file data/tabular/wine.csv");
    expect_bad("examples/predict tests/test.h --csv data/tabular/iris.csv");
    expect_bad("examples/quantize --bogus");
    expect_bad("examples/quantize --model /nonexistent/model.nnet");
    expect_bad("examples/quantize --model tests/data/model/tiny.safetensors --data /nonexistent/mnist");
}

// expect_bad, and the one stderr line mentions each of the needles (up to 3; NULL ends).
static void expect_message(const char *command, const char *a, const char *b, const char *c) {
    const char *needles[3];
    char line[1024];
    int i;
    needles[0] = a; needles[1] = b; needles[2] = c;
    expect_bad(command);
    for (i = 0; i < 3 && needles[i]; i++)
        if (!find_line("err.txt", needles[i], line, sizeof line)) {
            CHECK(!"the message names the flag, the value and what is allowed");
            printf("  %s: stderr does not mention \"%s\"\n", command, needles[i]);
        }
}

// Each bad flag gets its own message naming the flag, the value and what is
// allowed. The bounds are checked before the data are loaded: the data
// directory here does not exist, and the message is still about the flag.
static void each_bad_flag_named(void) {
    static const char *const cases[][4] = {
        {"--epochs -5", "--epochs", "-5", "[1,1000000]"}, {"--epochs 0", "--epochs", "0", "[1,"},
        {"--act foo", "--act", "'foo'", "relu|leaky_relu|sigmoid|tanh"}, {"--schedule foo", "--schedule", "'foo'", "cosine"},
        {"--init foo", "--init", "'foo'", "kaiming"}, {"--out foo", "--out", "'foo'", "softmax"},
        {"--loss foo", "--loss", "'foo'", "mse"}, {"--optimizer foo", "--optimizer", "'foo'", "adamw"},
        {"--shift 50", "--shift", "50", "[-1,8]"}, {"--val-split 1", "--val-split", "1", "[0,1)"},
        {"--batch 0", "--batch", "0", "[1,"}, {"--threads 0", "--threads", "0", "[1,1024]"},
        {"--lr -1", "--lr", "-1", "(0,inf)"}, {"--lr nan", "--lr", "nan", "(0,inf)"}, {"--lr 1e39", "--lr", "1e39", "a number"},
        {"--momentum 1", "--momentum", "1", "[0,1)"}, {"--dropout 1", "--dropout", "1", "[0,1)"},
        {"--l2 -0.1", "--l2", "-0.1", "[0,inf)"}, {"--beta2 1", "--beta2", "1", "[0,1)"},
        {"--epochs 99999999999", "--epochs", "99999999999", "an integer"}, {"--epochs=2.5", "--epochs", "2.5", "an integer"},
        {"--layers 784,2000000000,10", "--layers", "2000000000", "1..16777216"},
        {"--layers 784,10,", "--layers", "size 3 of '784,10,'", "not a whole number"},
        {"--layers 784,,10", "--layers", "size 2", "not a whole number"}, {"--layers 784", "--layers", "'784'", "expected 2 to 17"},
        {"--layers 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18", "--layers", "more than 17 sizes", NULL},
        {"--nesterov 1", "'1'", "switch --nesterov", "takes no value"}, {"--quiet=1", "--quiet", "switch", "takes no value"},
        {"--nesterov --optimizer adam", "--nesterov", "--optimizer sgd", NULL}, {"--nesterov --momentum 0", "--nesterov", "--momentum > 0", NULL},
        {"epochs 3", "'epochs'", "flags start with --", NULL}, {"--lr", "--lr", "needs a value", "(0,inf)"},
        {"--save /nonexistent/dir/m.nnet", "--save /nonexistent/dir/m.nnet", "could not create", NULL},
        {"--save /dev/full", "--save /dev/full", "character device", NULL},
        {"--save /tmp --quiet", "--save /tmp", "directory", NULL}, {"--checkpoint /dev/null", "--checkpoint", "character device", NULL}};
    char command[1024];
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(command, sizeof command, "examples/mnist --data /nonexistent/mnist %s", cases[i][0]);
        expect_message(command, cases[i][1], cases[i][2], cases[i][3]);
    }
    expect_message("examples/pair --data /nonexistent/mnist --shift 9", "--shift", "9", "[0,8]");
    expect_message("examples/pair --data /nonexistent/mnist --layers 784,16,2", "--layers", "ending in 1", "784,16,2");
    expect_message("examples/pair --data /nonexistent/mnist --digits 1,5,7", "--digits", "1,5,7", NULL);
    expect_message("examples/pair --data /nonexistent/mnist --save /dev/full", "--save", "character device", NULL);
    expect_message("examples/regression --outliers 2", "--outliers", "2", "[0,1]");
    expect_message("examples/regression --loss ce", "--loss", "'ce'", "mse|mae|huber");
    expect_message("examples/regression --points 0", "--points", "0", "[1,1000000]");
    expect_message("examples/experiments --grid 001", "--grid", "'001'", "000|002|003|all");
    expect_message("examples/experiments --seeds 0", "--seeds", "0", "[1,1000]");
    expect_message("examples/quantize --calibration 0", "--calibration", "0", "[1,inf)");
    expect_message("examples/quantize --digits -1", "--digits", "-1", "[0,inf)");
    expect_message("examples/quickstart a b", "at most one argument", NULL, NULL);
}

// -h and --help on every example: the full usage on stdout, nothing on
// stderr, exit status 0; switches are shown as switches, without a value.
static void help_on_every_example(void) {
    static const char *const programs[] = {"mnist", "pair", "regression", "experiments", "predict", "quickstart", "export_model", "quantize", "tabular"};
    char command[256], line[512];
    int i, k, lines;
    for (i = 0; i < (int)(sizeof programs / sizeof programs[0]); i++)
        for (k = 0; k < 2; k++) {
            snprintf(command, sizeof command, "examples/%s %s", programs[i], k ? "--help" : "-h");
            CHECK(run(command, &lines) == 0 && lines == 0);
            if (!find_line("out.txt", "usage: ", line, sizeof line)) printf("  %s: no usage on stdout\n", command);
            CHECK(find_line("out.txt", "usage: ", line, sizeof line) != NULL);
        }
    CHECK(run("examples/mnist --lr 0.1 --help --bogus", &lines) == 0 && lines == 0);   // help wins
    CHECK(run("examples/mnist --help", NULL) == 0);
    CHECK(find_line("out.txt", "--nesterov ", line, sizeof line) && strstr(line, "(switch)") && !strstr(line, "[0]"));
    CHECK(find_line("out.txt", "--epochs N ", line, sizeof line) && strstr(line, "[1,1000000]") && strstr(line, "[40]"));
    CHECK(find_line("out.txt", "--act NAME ", line, sizeof line) && strstr(line, "relu|leaky_relu|sigmoid|tanh"));
    CHECK(run("examples/predict --help", NULL) == 0 && find_line("out.txt", "--idx", line, sizeof line));
}

// From another directory, the default data directory is missing: the
// message says to give --data.
static void default_data_elsewhere_names_data_flag(void) {
    char cwd[512], command[1200];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(command, sizeof command, "cd / && %s/examples/mnist --epochs 1", cwd);
    expect_message(command, "data/mnist-sample", "--data DIR", NULL);
    snprintf(command, sizeof command, "cd / && %s/examples/pair --epochs 1", cwd);
    expect_message(command, "data/mnist-sample", "--data DIR", NULL);
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

// quantize turns the model the test above saved into model.h, digits.h and
// expected.txt, which holds one prediction per digit and the count correct;
// a calibration set larger than the training set is refused.
static void quantize_writes_the_int8_files(void) {
    char command[1024], line[512], last[256];
    int lines, correct = -1, of = -1;
    snprintf(command, sizeof command, "examples/quantize --model %s/m.nnet --data %s --out %s --calibration 100 --digits 20", dir, dir, dir);
    CHECK(run(command, &lines) == 0 && lines == 0);
    CHECK(find_line("out.txt", "int8 accuracy", line, sizeof line) != NULL);
    CHECK(strstr(last_line(last, sizeof last), "model.h") != NULL);
    snprintf(command, sizeof command, "cat %s/expected.txt", dir);
    CHECK(run(command, &lines) == 0);
    CHECK(find_line("out.txt", "int8 network: 784 inputs, 10 outputs; 20 test digits", line, sizeof line) != NULL);
    CHECK(sscanf(last_line(last, sizeof last), "correct %d of %d", &correct, &of) == 2 && of == 20 && correct >= 15);
    snprintf(command, sizeof command, "sed -n 2p %s/expected.txt", dir);   // "0 " and the 20 predicted digits
    CHECK(run(command, &lines) == 0 && strncmp(last_line(last, sizeof last), "0 ", 2) == 0 && strlen(last) == 2 + 20 + 1);
    snprintf(command, sizeof command, "cat %s/digits.h %s/model.h", dir, dir);
    CHECK(run(command, &lines) == 0);
    CHECK(find_line("out.txt", "#define TEST_DIGITS 20", line, sizeof line) != NULL);
    CHECK(find_line("out.txt", "static inline int model_classify(const int8_t *x)", line, sizeof line) != NULL);
    snprintf(command, sizeof command, "examples/quantize --model %s/m.nnet --data %s --out %s", dir, dir, dir);
    expect_message(command, "--calibration 1000", "only 300", NULL);   // > the 300 training samples
}

// Each new flag's bad values; the flag checks made before the data is loaded
// win over a missing --data directory. Uses the tiny set the test above writes.
static void mnist_bad_optimizer_and_checkpoint_flags(void) {
    char command[1024], line[512];
    const char *bad[] = {"--optimizer foo", "--beta1 1.5", "--beta2 1", "--eps -1", "--weight-decay 0.1",
                         "--weight-decay 0.1 --optimizer adam", "--optimizer adamw --weight-decay -1", "--clip -1", "--clip x",
                         "--warmup -1", "--patience 2", "--patience -1 --val-split 0.2", "--resume /nonexistent/c.nnet",
                         "--resume tests/test.h", "--checkpoint /nonexistent/c.nnet", "--epochs 0"};
    int i;
    FILE *f;
    for (i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++) {
        snprintf(command, sizeof command, "examples/mnist --data %s --layers 784,8,10 --epochs 1 --quiet %s", dir, bad[i]);
        expect_bad(command);
    }
    expect_bad("examples/mnist --data /nonexistent/mnist --weight-decay 0.1");
    CHECK(find_line("err.txt", "--weight-decay", line, sizeof line) && strstr(line, "adamw"));
    expect_bad("examples/mnist --data /nonexistent/mnist --patience 2");
    CHECK(find_line("err.txt", "--patience", line, sizeof line) && strstr(line, "--val-split"));
    snprintf(command, sizeof command, "%s/not-a-model.nnet", dir);   // not a model: a header cut short
    f = fopen(command, "wb");
    CHECK(f && fwrite("\x10\0\0\0\0\0\0\0{\"__metadata__\"", 1, 23, f) == 23);
    if (f) fclose(f);
    snprintf(command, sizeof command, "examples/mnist --data %s --epochs 1 --resume %s/not-a-model.nnet", dir, dir);
    expect_bad(command);
}

// Training for 1 epoch with --checkpoint, then --resume to 3 epochs, saves the
// same bytes as 3 epochs straight through: with SGD, and with Adam on a
// validation split with dropout, shifts, warm-up and clipping (cosine
// schedule throughout). The checkpoint is rewritten each epoch and loads.
static void mnist_resume_equals_straight_through(void) {
    const char *settings[2] = {"--layers 784,16,10 --seed 5",
                               "--layers 784,16,10 --seed 5 --optimizer adam --lr 0.003 --val-split 0.2 --dropout 0.3 --shift 2 --warmup 1 --clip 5"};
    char command[1024], line[512];
    int k;
    for (k = 0; k < 2; k++) {
        const char *s = settings[k];
        snprintf(command, sizeof command, "examples/mnist --data %s %s --quiet --epochs 3 --save %s/straight.nnet", dir, s, dir);
        CHECK(run(command, NULL) == 0);
        snprintf(command, sizeof command, "examples/mnist --data %s %s --quiet --epochs 1 --checkpoint %s/c.nnet", dir, s, dir);
        CHECK(run(command, NULL) == 0);
        CHECK(checkpoint_epoch("c.nnet") == 1);
        snprintf(command, sizeof command, "examples/mnist --data %s %s --quiet --epochs 3 --resume %s/c.nnet --checkpoint %s/c.nnet "
                 "--save %s/resumed.nnet", dir, s, dir, dir, dir);
        CHECK(run(command, NULL) == 0);
        CHECK(find_line("out.txt", "is at epoch 1 of 3: resuming", line, sizeof line) != NULL);
        CHECK(find_line("out.txt", "accuracy=", line, sizeof line) != NULL);
        CHECK(checkpoint_epoch("c.nnet") == 3);
        if (!same_bytes("straight.nnet", "resumed.nnet")) printf("  resumed != straight through with %s\n", s);
        CHECK(same_bytes("straight.nnet", "resumed.nnet"));
    }
    // A checkpoint already at --epochs is only evaluated; another --layers gives way to it with a note.
    snprintf(command, sizeof command, "examples/mnist --data %s --quiet --epochs 2 --layers 784,32,10 --resume %s/c.nnet --save %s/again.nnet",
             dir, dir, dir);
    CHECK(run(command, NULL) == 0);
    CHECK(find_line("out.txt", "nothing to train", line, sizeof line) != NULL);
    CHECK(find_line("out.txt", "note:", line, sizeof line) != NULL);
    CHECK(find_line("out.txt", "accuracy=", line, sizeof line) != NULL);
    CHECK(same_bytes("resumed.nnet", "again.nnet"));
}

// --patience on a validation split keeps the best epoch and says which:
// either it stopped `patience` epochs after it, or it ran every epoch.
static void mnist_patience_keeps_the_best_epoch(void) {
    char command[1024], line[512];
    int best = 0, last = 0;
    snprintf(command, sizeof command, "examples/mnist --data %s --layers 784,16,10 --epochs 12 --lr 0.1 --val-split 0.2 --patience 2 --quiet", dir);
    CHECK(run(command, NULL) == 0);
    CHECK(find_line("out.txt", "early stopping", line, sizeof line) &&
          sscanf(line, "early stopping: kept the weights of epoch %d, the best val loss of %d epochs", &best, &last) == 2);
    CHECK(best >= 1 && best <= last && last <= 12 && (last == 12 || last - best == 2));
    CHECK(find_line("out.txt", "accuracy=", line, sizeof line) != NULL);
}

// predict --idx refuses labels the model has no output for, naming the first.
static void predict_refuses_labels_the_model_lacks(void) {
    char command[1024], path[256];
    nnet_rng rng;
    FILE *f;
    nnet_rng_seed(&rng, 4);
    snprintf(path, sizeof path, "%s/labels200", dir);
    CHECK(mkdir(path, 0700) == 0);
    write_idx("labels200/t10k-images-idx3-ubyte", "labels200/t10k-labels-idx1-ubyte", 20, &rng);
    snprintf(path, sizeof path, "%s/labels200/t10k-labels-idx1-ubyte", dir);
    f = fopen(path, "r+b");
    CHECK(f && fseek(f, 8 + 3, SEEK_SET) == 0 && fputc(200, f) == 200 && fseek(f, 8 + 7, SEEK_SET) == 0 && fputc(12, f) == 12);
    if (f) fclose(f);
    snprintf(command, sizeof command, "examples/predict %s/m.nnet --idx %s/labels200", dir, dir);
    expect_message(command, "test[3]", "label 200", "classes 0..9");
}

// A save that fails after the check passed (here: a file size limit) says
// so, and tries a temporary file, whose fate it reports too.
static void mnist_save_failing_after_training(void) {
    char command[1024], line[1024];
    snprintf(command, sizeof command, "trap '' XFSZ; ulimit -f 40; TMPDIR=%s examples/mnist --data %s --layers 784,16,10 "
             "--epochs 1 --quiet --save %s/too-big.nnet", dir, dir, dir);
    expect_message(command, "could not write", "too-big.nnet", "mnist-model-");
    CHECK(find_line("err.txt", "failed too", line, sizeof line) != NULL);   // the same limit stops the second try
    CHECK(find_line("out.txt", "12730 parameters", line, sizeof line) != NULL);   // it trained first
}

static void mnist_trains_with_adamw(void) {
    char command[1024], last[256];
    double accuracy = 0, loss = 0, seconds = -1;
    snprintf(command, sizeof command, "examples/mnist --data %s --layers 784,16,10 --epochs 3 --optimizer adamw --weight-decay 0.01 "
             "--lr 0.003 --quiet", dir);
    CHECK(run(command, NULL) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "accuracy=%lf loss=%lf train_seconds=%lf", &accuracy, &loss, &seconds) == 3);
    CHECK(accuracy >= 0.9 && accuracy <= 1.0);
}

// tabular on the iris and diabetes tables: the per-fold table and the result
// line, the folds of --fold-file, the saved model that predict --csv runs on
// raw rows with and without the target column; and a pair model whose
// predictions and labels come out as its two digits.
static void tabular_and_predict_csv(void) {
    char command[1024], last[256], line[512], path[128];
    double accuracy = 0, f1 = 0, r2 = 0, mae = 0, seconds = -1;
    int folds = 0, k;
    FILE *f;
    snprintf(command, sizeof command, "examples/tabular --csv data/tabular/iris.csv --target species --epochs 30 --lr 0.01 "
             "--folds 3 --save %s/iris.nnet", dir);
    CHECK(run(command, NULL) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "accuracy=%lf f1=%lf seconds=%lf", &accuracy, &f1, &seconds) == 3);
    CHECK(accuracy >= 0.85 && accuracy <= 1.0 && f1 >= 0.85 && seconds >= 0);
    CHECK(find_line("out.txt", "classes: setosa, versicolor, virginica", line, sizeof line) != NULL);
    CHECK(find_line("out.txt", "   3    100    50  ", line, sizeof line) != NULL);   // fold 3: 100 rows to train on, 50 held out
    snprintf(command, sizeof command, "examples/predict %s/iris.nnet --csv data/tabular/iris.csv", dir);
    CHECK(run(command, NULL) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "accuracy=%lf", &accuracy) == 1 && accuracy >= 0.85);
    CHECK(find_line("out.txt", "row 1: setosa (p=", line, sizeof line) && strstr(line, "label setosa"));
    snprintf(path, sizeof path, "%s/new.csv", dir);   // new rows: features in another order, no target
    if ((f = fopen(path, "w"))) {
        fputs("petal width (cm),sepal width (cm),petal length (cm),sepal length (cm)\n0.2,3.5,1.4,5.1\n2.3,3,5.2,6.7\n", f);
        fclose(f);
    }
    snprintf(command, sizeof command, "examples/predict %s/iris.nnet --csv %s", dir, path);
    CHECK(run(command, NULL) == 0);
    CHECK(find_line("out.txt", "row 1: setosa", line, sizeof line) && !strstr(line, "label"));
    CHECK(strncmp(last_line(last, sizeof last), "row 2: virginica", 16) == 0);
    // A file without a header: a model without input names takes the columns in order.
    snprintf(path, sizeof path, "%s/headless.csv", dir);
    {
        FILE *in = fopen("data/tabular/iris.csv", "r");
        f = fopen(path, "w");
        CHECK(in && f);
        if (in && fgets(line, sizeof line, in) && f) while (fgets(line, sizeof line, in)) fputs(line, f);
        if (in) fclose(in);
        if (f) fclose(f);
    }
    snprintf(command, sizeof command, "examples/tabular --csv %s --epochs 30 --lr 0.01 --folds 3 --save %s/headless.nnet", path, dir);
    CHECK(run(command, NULL) == 0);
    snprintf(command, sizeof command, "examples/predict %s/headless.nnet --csv %s", dir, path);
    CHECK(run(command, NULL) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "accuracy=%lf", &accuracy) == 1 && accuracy >= 0.85);
    // --fold-file: 4 folds, given
    snprintf(path, sizeof path, "%s/folds.txt", dir);
    if ((f = fopen(path, "w"))) { for (k = 0; k < 442; k++) fprintf(f, "%d\n", k % 4); fclose(f); }
    snprintf(command, sizeof command, "examples/tabular --csv data/tabular/diabetes.csv --epochs 20 --batch 16 --l2 0.1 "
             "--fold-file %s --save %s/d.nnet", path, dir);
    CHECK(run(command, NULL) == 0);
    CHECK(sscanf(last_line(last, sizeof last), "r2=%lf mae=%lf seconds=%lf", &r2, &mae, &seconds) == 3);
    CHECK(r2 > 0.35 && r2 < 1.0 && mae > 20 && mae < 70);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    if ((f = fopen(path, "r"))) {
        while (fgets(line, sizeof line, f)) folds += sscanf(line, "%d %*d %*d", &k) == 1 && k >= 1;
        fclose(f);
    }
    CHECK(folds == 4);
    snprintf(command, sizeof command, "examples/predict %s/d.nnet --csv data/tabular/diabetes.csv", dir);
    CHECK(run(command, NULL) == 0);
    CHECK(find_line("out.txt", "row 442: progression ", line, sizeof line) != NULL);
    CHECK(sscanf(last_line(last, sizeof last), "r2=%lf mae=%lf", &r2, &mae) == 2 && r2 > 0.35);
    // A pair model names its classes by the digits: labels 2 and 7 are its classes, the others none.
    snprintf(command, sizeof command, "examples/pair --data %s --digits 2,7 --layers 784,8,1 --epochs 3 --quiet --save %s/pair.nnet", dir, dir);
    CHECK(run(command, NULL) == 0);
    snprintf(command, sizeof command, "examples/predict %s/pair.nnet --idx %s", dir, dir);
    CHECK(run(command, NULL) == 0);
    CHECK(find_line("out.txt", "label 7", line, sizeof line) && strstr(line, ": 7 (p=") && !strstr(line, "WRONG"));
    CHECK(find_line("out.txt", "label 1", line, sizeof line) == NULL);
}

// The folds of tabular on wine (59, 71 and 48 rows of its three classes):
// stratified, each fold holds out 1/5 of each class (rounded either way);
// seeded, the same seed gives the same table and another seed another.
static int fold_table(const char *seed, char table[5][128]) {
    char command[256], path[128], line[128];
    int folds = 0, k, train, test, count[3];
    double accuracy, f1;
    FILE *f;
    snprintf(command, sizeof command, "examples/tabular --csv data/tabular/wine.csv --epochs 2 --seed %s", seed);
    if (run(command, NULL) != 0) return 0;
    snprintf(path, sizeof path, "%s/out.txt", dir);
    if (!(f = fopen(path, "r"))) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%d %d %d %lf %lf %d %d %d", &k, &train, &test, &accuracy, &f1, &count[0], &count[1], &count[2]) == 8 &&
            folds < 5 && k == folds + 1) {
            CHECK(train + test == 178 && count[0] + count[1] + count[2] == test);
            CHECK(count[0] >= 59 / 5 && count[0] <= 59 / 5 + 1 && count[1] >= 71 / 5 && count[1] <= 71 / 5 + 1 &&
                  count[2] >= 48 / 5 && count[2] <= 48 / 5 + 1);
            if (!(count[0] >= 11 && count[0] <= 12 && count[1] >= 14 && count[1] <= 15 && count[2] >= 9 && count[2] <= 10))
                printf("  fold %d holds out %d, %d, %d of the classes\n", k, count[0], count[1], count[2]);
            snprintf(table[folds++], 128, "%s", line);
        }
    fclose(f);
    return folds;
}

static void tabular_folds_are_stratified_and_seeded(void) {
    char a[5][128], b[5][128], c[5][128];
    int k, same_ab = 1, same_ac = 1;
    CHECK(fold_table("0", a) == 5 && fold_table("0", b) == 5 && fold_table("1", c) == 5);
    for (k = 0; k < 5; k++) { same_ab &= !strcmp(a[k], b[k]); same_ac &= !strcmp(a[k], c[k]); }
    CHECK(same_ab && !same_ac);
}

int main(void) {
    char command[128];
    strcpy(dir, "/tmp/nnet_test_cli_XXXXXX");
    if (!mkdtemp(dir)) { printf("test_cli: cannot create a temporary directory\n"); return 1; }
    RUN(bad_flags_and_files);
    RUN(mnist_trains_saves_and_predict_reads);   // writes the tiny data set the tests below use
    RUN(quantize_writes_the_int8_files);
    RUN(mnist_bad_optimizer_and_checkpoint_flags);
    RUN(mnist_resume_equals_straight_through);
    RUN(mnist_patience_keeps_the_best_epoch);
    RUN(mnist_trains_with_adamw);
    RUN(tabular_and_predict_csv);
    RUN(tabular_folds_are_stratified_and_seeded);
    RUN(predict_refuses_labels_the_model_lacks);
    RUN(mnist_save_failing_after_training);
    RUN(each_bad_flag_named);
    RUN(help_on_every_example);
    RUN(default_data_elsewhere_names_data_flag);
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0) printf("  could not remove %s\n", dir);
    return test_summary("test_cli");
}
