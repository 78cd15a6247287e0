/* pair.c - a binary classifier for two digits (e.g. 1 vs 5): one sigmoid
   output p = P(second digit), trained with binary cross-entropy.
   Build: cc -std=c99 -O3 -march=native -I. examples/pair.c -o examples/pair -lstb -lm
   Run:   ./examples/pair --data data/mnist-sample --digits 1,5
   Takes mnist's training flags (see --help); --save keeps the two digits as the
   model's class names, for predict. Last line on stdout:
   "accuracy=A loss=L train_seconds=S" on the two digits of the test set.
   A bad flag or file: one line on stderr and exit status 2. Flags: -h or --help */
#define _POSIX_C_SOURCE 200809L   /* mkstemp (flags.h) */
#include <stb/stb_image.h>        /* lets nnet.h read .gz files (link -lstb) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "flags.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct run { int side, shift; } run;

static int on_epoch(const nnet_progress *p, void *user) {
    const nnet_epoch_stats *s = p->end_of_epoch;
    (void)user;
    if (s) printf("epoch %2d/%d  lr %.4f  train loss %.4f acc %.4f  %.2fs\n", s->epoch, p->epochs, s->learning_rate,
                  s->train_loss, s->train_accuracy, s->seconds);
    return 0;
}

static void shift_batch(nnet_mat X, nnet_rng *rng, void *user) {
    nnet_augment_shift(X, ((const run *)user)->side, ((const run *)user)->side, ((const run *)user)->shift, rng);
}

static int fail(const char *what, const char *detail) { return fprintf(stderr, "pair: %s%s\n", what, detail), 2; }

int main(int argc, char **argv) {
    const char *dir = "data/mnist-sample", *digits = "1,5", *layers = "784,256,1", *act = "relu", *init = "kaiming";
    const char *schedule = "cosine", *save = NULL;
    float dropout = 0.2f, l2 = 0.0f, lr = 0.05f, momentum = 0.9f;
    int nesterov = 0, batch = 32, epochs = 30, seed = 1, threads = 1, quiet = 0, shift = 1, pair[2], i, status;
    flag flags[] = {{"data", 's', &dir, "MNIST-layout directory", NULL}, {"digits", 's', &digits, "the two classes, a,b", NULL},
        {"layers", 's', &layers, "inputs,hidden...,1", NULL}, {"act", 's', &act, "hidden activation", "relu|leaky_relu|sigmoid|tanh"},
        {"init", 's', &init, "initialiser", "random|xavier|kaiming|lecun"},
        {"dropout", 'f', &dropout, "drop probability of hidden units", "[0,1)"}, {"l2", 'f', &l2, "L2 weight decay", "[0,inf)"},
        {"lr", 'f', &lr, "learning rate", "(0,inf)"}, {"momentum", 'f', &momentum, "SGD momentum", "[0,1)"},
        {"nesterov", 'b', &nesterov, "Nesterov momentum", NULL}, {"schedule", 's', &schedule, "learning-rate schedule", "constant|step|exp|cosine"},
        {"batch", 'i', &batch, "batch size", "[1,16777216]"}, {"epochs", 'i', &epochs, "passes over the training set", "[1,1000000]"},
        {"shift", 'i', &shift, "augment: shift by up to N pixels", "[0,8]"}, {"seed", 'i', &seed, "seed of weights, shuffling, dropout", NULL},
        {"threads", 'i', &threads, "threads", "[1,1024]"}, {"save", 's', &save, "model file to write", NULL},
        {"quiet", 'b', &quiet, "print only the settings and the result line", NULL}};
    int n_flags = (int)(sizeof flags / sizeof flags[0]);
    nnet_desc d = {0}; nnet_train_desc t = {0}; run r = {28, 0};   // zero fields mean defaults
    nnet_dataset *all_train = NULL, *all_test = NULL, *train, *test;
    nnet_report *report;
    nnet *net;
    nnet_mat P;
    double loss, accuracy, seconds = 0.0;
    int *predicted, epochs_run = 0;
    nnet_epoch_stats *history;
    char text[32], extra;
    if ((status = parse_flags("pair", "a binary classifier for two digits", argc, argv, flags, n_flags)) ||
        (status = parse_layers("pair", layers, &d)))
        return status < 0 ? 0 : status;
    if (sscanf(digits, "%d,%d%c", &pair[0], &pair[1], &extra) != 2 || pair[0] == pair[1] || pair[0] < 0 || pair[1] < 0)
        return fail("--digits expects two different classes like 1,5, found ", digits);
    if (d.sizes[d.n_layers - 1] != 1) return fail("--layers expects sizes ending in 1 (one sigmoid output), like 784,256,1, found ", layers);
    if (nesterov && momentum == 0.0f) return fail("--nesterov needs --momentum > 0", "");
    for (i = 0; i < d.n_layers - 1; i++) { d.activations[i] = (nnet_activation)nnet_activation_from_name(act); d.dropout[i] = dropout; }
    d.activations[d.n_layers - 1] = NNET_ACT_SIGMOID; d.loss = NNET_LOSS_BINARY_CROSS_ENTROPY;
    d.init = (nnet_init)nnet_init_from_name(init); d.seed = (uint64_t)seed;
    t.schedule = (nnet_schedule)nnet_schedule_from_name(schedule);
    if ((status = check_writable("pair", "save", save))) return status;
    if (nnet_dataset_load_mnist(dir, &all_train, &all_test) != NNET_OK)
        return fail(nnet_error(), data_hint(dir));
    if (!(train = nnet_dataset_keep_classes(all_train, pair, 2)) || !(test = nnet_dataset_keep_classes(all_test, pair, 2)))
        return fail(nnet_error(), "");
    if (!(net = nnet_create(&d))) return fail(nnet_error(), "");
    r.shift = shift; t.augment = shift && train->inputs.cols == 784 ? shift_batch : NULL; t.user_data = &r;
    t.epochs = epochs; t.batch_size = batch; t.learning_rate = lr; t.momentum = momentum; t.nesterov = nesterov; t.l2 = l2;
    t.seed = (uint64_t)seed; t.threads = threads; t.progress = quiet ? NULL : on_epoch;
    for (i = 0; i < n_flags; i++) printf("%s=%s%s", flags[i].name, flag_text(&flags[i], text), i < n_flags - 1 ? " " : "\n");
    printf("digit %d is class 0, digit %d is class 1 (p = its probability): %d train, %d test samples\n", pair[0], pair[1],
           train->inputs.rows, test->inputs.rows);
    if (!(history = (nnet_epoch_stats *)malloc((size_t)epochs * sizeof *history))) return fail("out of memory", "");
    status = nnet_train(net, train, NULL, &t, history, &epochs_run);
    for (i = 0; i < epochs_run; i++) seconds += history[i].seconds;
    if (status != NNET_OK) return fprintf(stderr, "pair: %s\n", nnet_error()), status == NNET_ERR_DIVERGED ? 1 : 2;
    P = nnet_mat_create(test->inputs.rows, 1); predicted = (int *)malloc((size_t)P.rows * sizeof(int));
    if (!P.data || !predicted || nnet_evaluate(net, test, &loss, &accuracy) || nnet_predict_dataset(net, test, &P, predicted) ||
        !(report = nnet_report_create(test->labels, predicted, &P, P.rows, 2)))
        return fprintf(stderr, "pair: %s\n", nnet_error()), 1;
    if (!quiet) { printf("\n"); nnet_report_print(stdout, report); printf("\n"); nnet_confusion_print(stdout, report); }
    if (save) {   // the two digits as the class names, so that predict answers with them
        char names[2][16]; const char *both[2] = {names[0], names[1]};
        snprintf(names[0], sizeof names[0], "%d", pair[0]); snprintf(names[1], sizeof names[1], "%d", pair[1]);
        if (nnet_set_names(net, NULL, NULL, 0, both, 2) != NNET_OK) return fail(nnet_error(), "");
        if (save_model("pair", net, save)) return 2;
    }
    printf("accuracy=%.4f loss=%.4f train_seconds=%.2f\n", accuracy, loss, seconds);
    nnet_report_free(report); nnet_mat_free(&P); free(predicted); free(history); nnet_free(net);
    nnet_dataset_free(train); nnet_dataset_free(test); nnet_dataset_free(all_train); nnet_dataset_free(all_test);
    return 0;
}
