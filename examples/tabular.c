/* tabular.c - a multilayer perceptron on a table of numbers in a CSV file, scored by
   K-fold cross-validation (stratified for classes): each fold standardises on its
   training rows only, trains, and is scored on its held-out rows.
   Build: cc -std=c99 -O3 -march=native -I. examples/tabular.c -o examples/tabular -lm
   Run:   ./examples/tabular --csv data/tabular/iris.csv --target species
          ./examples/tabular --csv data/tabular/diabetes.csv --target progression --save diabetes.nnet
   --save then trains on every row and saves the model with its standardisation and
   names, so that `predict MODEL --csv FILE` answers for raw rows. --fold-file takes a
   file of fold numbers (one per row, 0..K-1), as bench/compare_sklearn.py passes
   scikit-learn's folds. Last line: "r2=R mae=M seconds=S" (regression) or
   "accuracy=A f1=F seconds=S" (classification; F1 is the macro average), means over
   the folds. A bad flag or file: one line on stderr and exit status 2. Flags: -h or --help */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "flags.h"
#include <time.h>

static int fail(const char *what, const char *detail) { return fprintf(stderr, "tabular: %s%s\n", what, detail), 2; }

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }

// The rows of data whose fold is (or with `held_out` 0, is not) k; all rows when k < 0.
static nnet_dataset *take(const nnet_dataset *data, const int *fold, int k, int held_out) {
    int i, n = 0, I = data->inputs.cols, O = data->targets.cols;
    nnet_dataset *part;
    for (i = 0; i < data->inputs.rows; i++) n += k < 0 || (fold[i] == k) == held_out;
    if (!(part = O ? nnet_dataset_create_targets(n, I, O) : nnet_dataset_create(n, I, data->n_classes))) return NULL;
    for (i = 0, n = 0; i < data->inputs.rows; i++) {
        if (!(k < 0 || (fold[i] == k) == held_out)) continue;
        memcpy(&NNET_AT(part->inputs, n, 0), &NNET_AT(data->inputs, i, 0), (size_t)I * sizeof(float));
        if (O) memcpy(&NNET_AT(part->targets, n, 0), &NNET_AT(data->targets, i, 0), (size_t)O * sizeof(float));
        else part->labels[n] = data->labels[i];
        n++;
    }
    return part;
}

// Standardise a copy of the training rows (and regression targets) with their own
// statistics, train a new network on it, and give the network those statistics,
// so that it takes raw rows (nnet_predict_raw). NULL on failure.
static nnet *fit(const nnet_dataset *train, const nnet_desc *d, const nnet_train_desc *t) {
    nnet_dataset *copy = take(train, NULL, -1, 0);
    int I = train->inputs.cols, O = train->targets.cols, ok;
    float *stats = (float *)malloc((size_t)(2 * I + 2 * O) * sizeof(float));
    nnet *net = copy && stats ? nnet_create(d) : NULL;
    ok = net && !nnet_standardize_fit(copy->inputs, stats, stats + I) && !nnet_standardize_apply(copy->inputs, stats, stats + I) &&
         (!O || (!nnet_standardize_fit(copy->targets, stats + 2 * I, stats + 2 * I + O) &&
                 !nnet_standardize_apply(copy->targets, stats + 2 * I, stats + 2 * I + O))) &&
         !nnet_train(net, copy, NULL, t, NULL, NULL) &&
         !nnet_set_standardization(net, stats, stats + I, O ? stats + 2 * I : NULL, O ? stats + 2 * I + O : NULL);
    if (!ok) { nnet_free(net); net = NULL; }
    nnet_dataset_free(copy); free(stats);
    return net;
}

int main(int argc, char **argv) {
    const char *csv_path = NULL, *target = NULL, *task = "auto", *layers = "64", *act = "relu", *optimizer = "adam";
    const char *schedule = "constant", *init = "default", *save = NULL, *fold_path = NULL;
    float lr = 0.001f, l2 = 0.0f, dropout = 0.0f, momentum = 0.9f;
    int batch = 32, epochs = 200, folds = 5, seed = 0, skip = 0, i, k, c, status, *fold, *predicted, regression, n_classes = 0;
    flag flags[] = {{"csv", 's', &csv_path, "the data: a CSV file", NULL},
        {"target", 's', &target, "target column(s): name or index (default: last)", NULL},
        {"task", 's', &task, "what to learn", "auto|regression|classification"},
        {"layers", 's', &layers, "hidden layer sizes, e.g. 64 or 64,32", NULL},
        {"act", 's', &act, "hidden activation", "relu|leaky_relu|sigmoid|tanh"},
        {"init", 's', &init, "initialiser", "default|random|xavier|kaiming|lecun"},
        {"dropout", 'f', &dropout, "drop probability of hidden units", "[0,1)"}, {"l2", 'f', &l2, "L2 weight decay", "[0,inf)"},
        {"optimizer", 's', &optimizer, "optimiser", "sgd|adam|adamw"}, {"lr", 'f', &lr, "learning rate", "(0,inf)"},
        {"momentum", 'f', &momentum, "SGD momentum", "[0,1)"}, {"schedule", 's', &schedule, "learning-rate schedule", "constant|step|exp|cosine"},
        {"batch", 'i', &batch, "batch size", "[1,16777216]"}, {"epochs", 'i', &epochs, "passes over the training rows", "[1,1000000]"},
        {"folds", 'i', &folds, "K of the K-fold cross-validation", "[2,1000]"},
        {"fold-file", 's', &fold_path, "fold of each row, 0..K-1 (instead of seeded folds)", NULL},
        {"seed", 'i', &seed, "seed of the folds, weights, shuffling", "[0,inf)"},
        {"skip-bad-rows", 'b', &skip, "skip rows with missing or non-numeric values", NULL},
        {"save", 's', &save, "train on every row and save the model here", NULL}};
    int n_flags = (int)(sizeof flags / sizeof flags[0]);
    nnet_desc d = {0}; nnet_train_desc t = {0}; nnet_csv_desc cd = {0};   // zero fields mean defaults
    nnet_csv *csv, *fold_csv; nnet_dataset *data; nnet *net; nnet_rng rng; nnet_regression_metrics m; nnet_report *report;
    double sum[2] = {0, 0}, start, seconds; char *p, text[32];
    if ((status = parse_flags("tabular", "cross-validate a network on a CSV file", argc, argv, flags, n_flags)))
        return status < 0 ? 0 : status;
    if (!csv_path) return fail("--csv FILE is missing (see --help)", "");
    if (check_writable("tabular", "save", save)) return 2;
    for (p = (char *)layers; *p && d.n_layers < NNET_MAX_LAYERS - 1; ) {   // "64,32": the hidden layers
        long v = strtol(p, &p, 10);
        if (v < 1 || v > NNET_MAX_DIM || (*p && *p++ != ',')) break;
        d.activations[d.n_layers] = (nnet_activation)nnet_activation_from_name(act); d.dropout[d.n_layers] = dropout;
        d.sizes[d.n_layers++] = (int)v;
    }
    if (*p || d.n_layers < 1) return fail("--layers expects hidden layer sizes like 64 or 64,32, found ", layers);
    d.init = (nnet_init)nnet_init_from_name(init); t.optimizer = (nnet_optimizer_kind)nnet_optimizer_from_name(optimizer); t.schedule = (nnet_schedule)nnet_schedule_from_name(schedule);
    cd.task = !strcmp(task, "regression") ? NNET_CSV_REGRESSION : !strcmp(task, "classification") ? NNET_CSV_CLASSIFICATION : NNET_CSV_AUTO;
    cd.target = target; cd.sorted_classes = 1; cd.skip_bad_rows = skip;
    if (!(csv = nnet_csv_load(csv_path, &cd))) return fail(nnet_error(), "");
    if (!(data = csv->data)) return fail("no target column: give one with --target", "");
    regression = data->labels == NULL; n_classes = data->n_classes;
    if (!regression && n_classes < 2) return fail("the target column holds one class only", "");
    d.n_inputs = data->inputs.cols; d.seed = (uint64_t)seed;   // the output layer: identity, sigmoid for 2 classes, else softmax
    d.sizes[d.n_layers] = regression ? csv->n_targets : n_classes == 2 ? 1 : n_classes;
    d.activations[d.n_layers++] = regression ? NNET_ACT_IDENTITY : n_classes == 2 ? NNET_ACT_SIGMOID : NNET_ACT_SOFTMAX;
    t.epochs = epochs; t.batch_size = batch; t.learning_rate = lr; t.l2 = l2; t.momentum = momentum; t.seed = (uint64_t)seed;
    fold = (int *)malloc((size_t)data->inputs.rows * sizeof(int)); predicted = (int *)malloc((size_t)data->inputs.rows * sizeof(int));
    if (!fold || !predicted) return fail("out of memory", "");
    if (fold_path) {   // the folds given: one whole number per line
        nnet_csv_desc fd = {0};
        fd.target = ""; fd.header = NNET_CSV_HEADER_NO;
        if (!(fold_csv = nnet_csv_load(fold_path, &fd))) return fail(nnet_error(), "");
        if (fold_csv->inputs.rows != data->inputs.rows || fold_csv->inputs.cols != 1) return fail("--fold-file needs one fold number per row of ", csv_path);
        for (i = 0, folds = 0; i < data->inputs.rows; i++) {
            float f = fold_csv->inputs.data[i];
            if (!(f >= 0 && f < 1000) || f != (float)(int)f) return fail("--fold-file holds something else than fold numbers 0..999: ", fold_path);
            if ((fold[i] = (int)f) >= folds) folds = fold[i] + 1;
        }
        nnet_csv_free(fold_csv);
    } else {   // seeded: rows in a random order, dealt out in turn, class by class for classes (stratified)
        int *order = predicted, o = 0;
        nnet_rng_seed(&rng, (uint64_t)seed);
        for (i = 0; i < data->inputs.rows; i++) order[i] = i;
        for (i = data->inputs.rows - 1; i > 0; i--) { int j = (int)nnet_rng_below(&rng, (uint32_t)i + 1u), x = order[i]; order[i] = order[j]; order[j] = x; }
        for (c = 0; c < (regression ? 1 : n_classes); c++)
            for (i = 0; i < data->inputs.rows; i++) if (regression || data->labels[order[i]] == c) fold[order[i]] = o++ % folds;
    }
    for (i = 0; i < n_flags; i++) printf("%s=%s%s", flags[i].name, flag_text(&flags[i], text), i < n_flags - 1 ? " " : "\n");
    printf("%s: %d rows, %d features, %s%s", csv_path, data->inputs.rows, data->inputs.cols, regression ? "regression" : "classes:",
           regression ? "" : " ");
    for (c = 0; !regression && c < n_classes; c++) printf("%s%s", csv->class_names[c], c < n_classes - 1 ? ", " : "");
    printf("; %d rows skipped\n\nfold  train  test  %s\n", csv->n_skipped, regression ? "    r2      mae" : "accuracy  f1      held out by class");
    start = now();
    for (k = 0; k < folds; k++) {
        nnet_dataset *train = take(data, fold, k, 0), *test = take(data, fold, k, 1);
        nnet_mat P;
        if (!train || !test || !train->inputs.rows || !test->inputs.rows) return fail("a fold is empty (fewer rows than folds?)", "");
        if (!(net = fit(train, &d, &t))) return fail(nnet_error(), "");
        P = nnet_mat_create(test->inputs.rows, nnet_output_size(net));
        if (!P.data || nnet_predict_raw(net, test->inputs, P)) return fail(nnet_error(), "");
        if (regression) {
            if (nnet_regression_metrics_compute(P, test->targets, &m)) return fail(nnet_error(), "");
            printf("%4d  %5d  %4d  %7.4f  %7.4g\n", k + 1, train->inputs.rows, test->inputs.rows, m.r2, m.mae);
            sum[0] += m.r2; sum[1] += m.mae;
        } else {
            if (P.cols == 1) for (i = 0; i < P.rows; i++) predicted[i] = P.data[i] >= 0.5f;
            else nnet_argmax_rows(predicted, P);
            if (!(report = nnet_report_create(test->labels, predicted, NULL, P.rows, n_classes))) return fail(nnet_error(), "");
            printf("%4d  %5d  %4d  %8.4f  %.4f ", k + 1, train->inputs.rows, test->inputs.rows, report->accuracy, report->macro_f1);
            for (c = 0; c < n_classes; c++) {   // the held-out rows of each class: stratified folds keep the proportions
                int count = 0;
                for (i = 0; i < test->inputs.rows; i++) count += test->labels[i] == c;
                printf(" %d%s", count, c < n_classes - 1 ? "" : "\n");
            }
            sum[0] += report->accuracy; sum[1] += report->macro_f1;
            nnet_report_free(report);
        }
        nnet_mat_free(&P); nnet_free(net); nnet_dataset_free(train); nnet_dataset_free(test);
    }
    seconds = now() - start;
    if (save) {   // every row, then the statistics (fit sets them) and the names travel with the model
        if (!(net = fit(data, &d, &t)) ||
            nnet_set_names(net, (const char *const *)csv->feature_names, (const char *const *)csv->target_names, csv->n_targets,
                           (const char *const *)csv->class_names, n_classes))
            return fail(nnet_error(), "");
        printf("trained on all %d rows; ", data->inputs.rows);
        if (save_model("tabular", net, save)) return 2;
        nnet_free(net);
    }
    if (regression) printf("r2=%.4f mae=%.4f seconds=%.3f\n", sum[0] / folds, sum[1] / folds, seconds);
    else printf("accuracy=%.4f f1=%.4f seconds=%.3f\n", sum[0] / folds, sum[1] / folds, seconds);
    free(fold); free(predicted); nnet_csv_free(csv);
    return 0;
}
