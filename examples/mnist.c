/* mnist.c - train a multilayer perceptron on any MNIST-layout directory and
   print per-epoch figures, the classification report and the confusion matrix;
   optionally save the model, a checkpoint per epoch, the history (CSV) and SVG plots.
   Build: cc -std=c99 -O3 -march=native -I. examples/mnist.c -o examples/mnist -lstb -lm
   Run:   ./examples/mnist --data data/mnist-sample --save mnist.nnet --plots plots
   Resume: rerun a run that had --checkpoint c.nnet, same flags, plus --resume c.nnet: same weights, bit for bit.
   Last line on stdout: "accuracy=A loss=L train_seconds=S" (on the test set).
   A bad flag or file: one line on stderr and exit status 2. Flags: -h or --help */
#define _POSIX_C_SOURCE 200809L   /* isatty, mkdir */
#include <stb/stb_image.h>        /* lets nnet.h read .gz and PNG files (link -lstb) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "flags.h"
#include "plot.h"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct run { int tty, batch, shift, side, quiet, failed; const char *against, *checkpoint; nnet *net; } run;

// A live bar on stderr when it is a terminal; one plain line per epoch on
// stdout; then the checkpoint, so that --resume goes on from this epoch.
static int on_progress(const nnet_progress *p, void *user) {
    run *r = (run *)user; const nnet_epoch_stats *s = p->end_of_epoch;
    int i, done = 30 * p->batch / p->batches;
    if (!s && r->tty && !r->quiet && (p->batch % 16 == 0 || p->batch == p->batches)) {
        double left = p->seconds / p->batch * ((double)(p->epochs - p->epoch) * p->batches + p->batches - p->batch);
        fprintf(stderr, "\r%2d/%d [", p->epoch, p->epochs);
        for (i = 0; i < 30; i++) fputc(i < done ? '=' : i == done ? '>' : ' ', stderr);
        fprintf(stderr, "] %5.0f samples/s  ETA %3.0fs  loss %.4f ", p->batch * r->batch / p->seconds, left, p->loss);
    } else if (s && !r->quiet) {
        if (r->tty) fprintf(stderr, "\r%78s\r", "");
        printf("epoch %2d/%d  lr %.4f  train loss %.4f acc %.4f  %s loss %.4f acc %.4f  %.1fs\n", s->epoch, p->epochs,
               s->learning_rate, s->train_loss, s->train_accuracy, r->against, s->validation_loss, s->validation_accuracy, s->seconds);
        fflush(stdout);
    }
    return r->failed = s && r->checkpoint && nnet_save_checkpoint(r->net, r->checkpoint) != NNET_OK;   // 1 stops training
}

// Data augmentation: move each training image by up to r->shift pixels.
static void shift_batch(nnet_mat X, nnet_rng *rng, void *user) {
    nnet_augment_shift(X, ((const run *)user)->side, ((const run *)user)->side, ((const run *)user)->shift, rng);
}

// Whether two networks have the same layers, activations, dropout and loss.
static int same_network(const nnet *a, const nnet *b) {
    int l, same = a->n_inputs == b->n_inputs && a->n_layers == b->n_layers && a->loss == b->loss;
    for (l = 0; same && l < a->n_layers; l++) same = a->layers[l].n_outputs == b->layers[l].n_outputs &&
        a->layers[l].activation == b->layers[l].activation && a->layers[l].dropout == b->layers[l].dropout;
    return same;
}

// One line on stderr; the exit status is 2 for bad input, 1 for anything else.
static int fail(int status, const char *what, const char *detail) {
    return fprintf(stderr, "mnist: %s%s\n", what, detail), status == NNET_ERR_DIVERGED || status == NNET_ERR_MEMORY ? 1 : 2;
}

int main(int argc, char **argv) {
    const char *dir = "data/mnist-sample", *layers = "784,256,10", *act = "relu", *out = "softmax", *loss = "default", *init = "kaiming";
    const char *schedule = "cosine", *optimizer = "sgd", *save = NULL, *checkpoint = NULL, *resume = NULL, *history_path = NULL, *plots = NULL;
    float dropout = 0.2f, l2 = 0.0f, lr = 0.01f, momentum = 0.9f, val_split = 0.0f;
    int nesterov = 0, batch = 16, epochs = 40, seed = 1, threads = 1, quiet = 0, shift = -1, i, status, epochs_run = 0, *predicted;
    nnet_desc d = {0}; nnet_train_desc t = {0}; run r = {0};   // zero fields mean defaults
    flag flags[] = {{"data", 's', &dir, "MNIST-layout directory", NULL}, {"layers", 's', &layers, "inputs,hidden...,outputs", NULL},
        {"act", 's', &act, "hidden activation", "relu|leaky_relu|sigmoid|tanh"}, {"out", 's', &out, "output activation", "softmax|sigmoid|tanh|linear"},
        {"loss", 's', &loss, "loss (default: from --out)", "default|ce|bce|mse"}, {"init", 's', &init, "initialiser", "random|xavier|kaiming|lecun"},
        {"lr", 'f', &lr, "learning rate", "(0,inf)"}, {"dropout", 'f', &dropout, "drop probability of hidden units", "[0,1)"},
        {"l2", 'f', &l2, "L2 weight decay", "[0,inf)"}, {"optimizer", 's', &optimizer, "optimiser", "sgd|adam|adamw"},
        {"momentum", 'f', &momentum, "SGD momentum", "[0,1)"}, {"nesterov", 'b', &nesterov, "Nesterov momentum", NULL},
        {"beta1", 'f', &t.beta1, "Adam(W) first-moment decay (0: 0.9)", "[0,1)"}, {"beta2", 'f', &t.beta2, "Adam(W) second-moment decay (0: 0.999)", "[0,1)"},
        {"eps", 'f', &t.eps, "Adam(W) epsilon (0: 1e-8)", "[0,inf)"}, {"weight-decay", 'f', &t.weight_decay, "AdamW's decoupled weight decay (0: 0.01)", "[0,inf)"},
        {"clip", 'f', &t.clip_norm, "clip gradients to this global norm (0: off)", "[0,inf)"},
        {"warmup", 'i', &t.warmup_epochs, "epochs of linear lr warm-up", "[0,1000000]"},
        {"schedule", 's', &schedule, "learning-rate schedule", "constant|step|exp|cosine"}, {"batch", 'i', &batch, "batch size", "[1,16777216]"},
        {"epochs", 'i', &epochs, "passes over the training set, in all", "[1,1000000]"},
        {"shift", 'i', &shift, "random shifts, px (-1: 1 if < 20000 images)", "[-1,8]"},
        {"val-split", 'f', &val_split, "fraction of train held out (0: report test)", "[0,1)"},
        {"patience", 'i', &t.patience, "stop after N epochs without a better val loss", "[0,1000000]"},
        {"threads", 'i', &threads, "threads", "[1,1024]"}, {"seed", 'i', &seed, "seed of weights, shuffling, dropout, split", NULL},
        {"save", 's', &save, "model file to write", NULL}, {"checkpoint", 's', &checkpoint, "checkpoint written after every epoch", NULL},
        {"resume", 's', &resume, "checkpoint to go on from, to --epochs", NULL}, {"history", 's', &history_path, "per-epoch CSV file", NULL},
        {"plots", 's', &plots, "directory for SVG plots", NULL}, {"quiet", 'b', &quiet, "print only the settings and the result line", NULL}};
    int n_flags = (int)(sizeof flags / sizeof flags[0]);
    nnet_dataset *train = NULL, *test = NULL, *fit, *val; nnet_epoch_stats *history; nnet_report *report = NULL;
    nnet *net, *saved; nnet_mat P; nnet_rng rng; double test_loss, test_acc, seconds = 0.0;
    char text[32];
    if ((status = parse_flags("mnist", "train an MLP on an MNIST-layout directory", argc, argv, flags, n_flags)) ||
        (status = parse_layers("mnist", layers, &d)))
        return status < 0 ? 0 : status;
    for (i = 0; i < d.n_layers; i++) {
        d.activations[i] = (nnet_activation)nnet_activation_from_name(i < d.n_layers - 1 ? act : out);
        d.dropout[i] = i < d.n_layers - 1 ? dropout : 0.0f;
    }
    d.loss = (nnet_loss)nnet_loss_from_name(loss); d.init = (nnet_init)nnet_init_from_name(init); d.seed = (uint64_t)seed;
    t.schedule = (nnet_schedule)nnet_schedule_from_name(schedule); t.optimizer = (nnet_optimizer_kind)nnet_optimizer_from_name(optimizer);
    if (t.weight_decay != 0.0f && t.optimizer != NNET_ADAMW) return fail(2, "--weight-decay needs --optimizer adamw (or use --l2)", "");
    if (nesterov && (t.optimizer != NNET_SGD || momentum == 0.0f)) return fail(2, "--nesterov needs --optimizer sgd and --momentum > 0", "");
    if (t.patience > 0 && val_split <= 0.0f) return fail(2, "--patience needs a validation set to watch: add --val-split (e.g. 0.1)", "");
    if ((status = check_writable("mnist", "save", save)) || (status = check_writable("mnist", "checkpoint", checkpoint))) return status;
    if (!(net = nnet_create(&d))) return fail(2, nnet_error(), "");
    if (resume) {   // the checkpoint's network, weights and training state replace the new network
        if (!(saved = nnet_load(resume))) return fail(2, nnet_error(), "");
        if (!same_network(net, saved)) printf("note: %s holds another network than the flags say; it is the one trained\n", resume);
        if (!saved->epoch) printf("note: %s is a model file, not a checkpoint: training starts from its weights\n", resume);
        else if (saved->optimizer.kind != t.optimizer) printf("note: %s used another optimiser; %s starts afresh\n", resume, optimizer);
        nnet_free(net); net = saved;
    }
    if (nnet_dataset_load_mnist(dir, &train, &test) != NNET_OK)
        return fail(2, nnet_error(), data_hint(dir));
    nnet_rng_seed(&rng, (uint64_t)seed); fit = train; val = test; r.against = val_split > 0.0f ? "val" : "test";
    if (val_split > 0.0f && (nnet_dataset_shuffle(train, &rng) || nnet_dataset_split(train, 1.0f - val_split, &fit, &val)))
        return fail(2, nnet_error(), "");
    r.side = (int)(sqrt((double)fit->inputs.cols) + 0.5);   // by default, augment small sets of square images only
    if (shift < 0) shift = fit->inputs.rows < 20000 && r.side * r.side == fit->inputs.cols;
    if (shift && r.side * r.side != fit->inputs.cols) return fail(2, "--shift needs square images; use --shift 0", "");
    r.tty = isatty(2); r.batch = batch; r.shift = shift; r.quiet = quiet; r.checkpoint = checkpoint; r.net = net;
    t.augment = shift ? shift_batch : NULL; t.epochs = epochs - net->epoch; t.schedule_epochs = epochs;   // the same schedule when resumed
    t.batch_size = batch; t.learning_rate = lr; t.momentum = momentum; t.nesterov = nesterov; t.l2 = l2;
    t.seed = (uint64_t)seed; t.threads = threads; t.progress = on_progress; t.user_data = &r;
    for (i = 0; i < n_flags; i++) printf("%s=%s%s", flags[i].name, flag_text(&flags[i], text), i < n_flags - 1 ? " " : "\n");
    printf("%d train, %d validation, %d test samples; %s loss, %zu parameters\n", fit->inputs.rows,
           val == test ? 0 : val->inputs.rows, test->inputs.rows, nnet_loss_name(net->loss), net->n_parameters);
    if (net->epoch) printf("%s is at epoch %d of %d: %s\n", resume, net->epoch, epochs, t.epochs > 0 ? "resuming" : "nothing to train, evaluating it");
    if (!(history = (nnet_epoch_stats *)malloc((size_t)epochs * sizeof *history))) return fail(1, "out of memory", "");
    status = t.epochs > 0 ? nnet_train(net, fit, val, &t, history, &epochs_run) : NNET_OK;
    for (i = 0; i < epochs_run; i++) seconds += history[i].seconds;
    if (r.failed) return fail(2, "cannot write the checkpoint: ", nnet_error());
    if (status != NNET_OK) return fail(status, nnet_error(), "");
    if (net->best_epoch) printf("early stopping: kept the weights of epoch %d, the best val loss of %d epochs\n", net->best_epoch, net->epoch);
    P = nnet_mat_create(test->inputs.rows, nnet_output_size(net)); predicted = (int *)malloc((size_t)P.rows * sizeof(int));
    if (!P.data || !predicted || nnet_evaluate(net, test, &test_loss, &test_acc) || nnet_predict_dataset(net, test, &P, predicted) ||
        !(report = nnet_report_create(test->labels, predicted, &P, P.rows, P.cols == 1 ? 2 : P.cols)))
        return fail(1, nnet_error(), "");
    if (!quiet) { printf("\n"); nnet_report_print(stdout, report); printf("\n"); nnet_confusion_print(stdout, report); }
    if (save && save_model("mnist", net, save)) return 2;
    if (history_path && plot_history_csv(history_path, history, epochs_run, r.against)) return fail(2, "cannot write ", history_path);
    if (plots && ((mkdir(plots, 0777) && errno != EEXIST) || plot_history(plots, history, epochs_run, r.against) ||
                  plot_confusion(plots, report) || plot_curves(plots, P, test->labels, 1) || plot_curves(plots, P, test->labels, 0)))
        return fail(2, "cannot write the plots in ", plots);
    if (plots) printf("wrote %s/history.svg, confusion.svg, roc.svg and pr.svg\n", plots);
    printf("accuracy=%.4f loss=%.4f train_seconds=%.2f\n", test_acc, test_loss, seconds);
    if (fit != train) { nnet_dataset_free(fit); nnet_dataset_free(val); }
    nnet_report_free(report); nnet_mat_free(&P); free(predicted); free(history); nnet_free(net); nnet_dataset_free(train); nnet_dataset_free(test);
    return 0;
}
