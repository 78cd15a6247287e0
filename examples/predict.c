/* predict.c - classify images with a model saved by mnist (or pair, quickstart),
   or the rows of a CSV file with a model saved by tabular.
   Prints, per image or row, the predicted class with its probability and the top 3,
   by name when the model has class names (pair and tabular save them).
   Build: cc -std=c99 -O2 -I. examples/predict.c -o examples/predict -lstb -lm
   Run:   ./examples/predict mnist.nnet data/digits/3.png data/digits/7.png
          ./examples/predict mnist.nnet --idx data/mnist-sample   (its t10k test files,
          with the labels: also prints the accuracy)
          ./examples/predict iris.nnet --csv data/tabular/iris.csv   (raw rows: the model
          standardises them; with the target column: also the accuracy, or R^2 and MAE)
   Images are PNG, JPEG, BMP, GIF or PGM; any size, dark digit on light or light
   on dark, preprocessed like MNIST. A file name that starts with a digit and
   '_' (data/digits/3_scan.png) gives the true label, shown next to the answer.
   The CSV file's feature columns are found by the names the model was trained
   with (for a model without them: every column, or all but a last target one).
   A bad model or image: one line on stderr, and the exit status is 2 (the
   other images are still classified); so is a test label no output of the
   model means (for a model with class names: the samples of other classes
   are shown without a label and left out of the accuracy). Usage: -h or --help */
#include <stb/stb_image.h>   /* image decoding for nnet_image_load_mnist (link -lstb) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Class c by its name, or its number written into text when there are no names.
static const char *class_text(char *const *names, int c, char *text) {
    if (names) return names[c];
    sprintf(text, "%d", c);
    return text;
}

// Print one line: the predicted class with its probability, then the three
// most likely classes; return the predicted class. p holds the network's
// outputs for one sample (O values); a single sigmoid output is read as two
// classes, 0 with probability 1 - p and 1 with p. label < 0: unknown.
// names: the model's class names, or NULL to show class numbers.
static int print_prediction(const char *name, const float *p, int outputs, int label, char *const *names) {
    char text[16];
    float two[2];
    int top[3] = {0, 0, 0}, classes = outputs == 1 ? 2 : outputs, shown = classes < 3 ? classes : 3, c, k;
    if (outputs == 1) { two[0] = 1.0f - p[0]; two[1] = p[0]; p = two; }
    for (k = 0; k < shown; k++) {   // the k-th largest: the largest not already taken
        top[k] = -1;
        for (c = 0; c < classes; c++) {
            int taken = (k > 0 && top[0] == c) || (k > 1 && top[1] == c);
            if (!taken && (top[k] < 0 || p[c] > p[top[k]])) top[k] = c;
        }
    }
    printf("%s: %s (p=%.4f)  top %d:", name, class_text(names, top[0], text), (double)p[top[0]], shown);
    for (k = 0; k < shown; k++) printf(" %s %.4f%s", class_text(names, top[k], text), (double)p[top[k]], k < shown - 1 ? "," : "");
    if (label >= 0) printf("  label %s%s", class_text(names, label, text), label == top[0] ? "" : "  WRONG");
    printf("\n");
    return top[0];
}

// The class of the model named by the number `label` (digit 5: the class
// "5", which pair --digits 1,5 calls 1), or label itself when the model has no
// class names; -1 if no class has that name.
static int class_of_label(const nnet *net, int label) {
    char text[16];
    int c;
    if (!net->class_names) return label;
    snprintf(text, sizeof text, "%d", label);
    for (c = 0; c < net->n_class_names; c++) if (!strcmp(net->class_names[c], text)) return c;
    return -1;
}

// Every row of a CSV file. The features are found by the model's input names,
// the target (when the file has it) by its target names and classes; a model
// without names takes the first I columns, the next one as its target if the
// file has it, and its classes are numbers.
static int predict_csv(const nnet *net, const char *path) {
    nnet_csv_desc d = {0};
    nnet_csv *csv;
    nnet_mat P;
    char target[1024] = "", name[32], *end, **index = NULL;
    int i, j, correct = 0, O = nnet_output_size(net), status = 0, regression = net->loss >= NNET_LOSS_MSE;
    size_t used = 0;
    for (i = 0; i < net->n_target_names && used + strlen(net->target_names[i]) + 2 < sizeof target; i++)
        used += (size_t)sprintf(target + used, "%s%s", i ? "," : "", net->target_names[i]);
    d.target = target; d.optional_target = 1; d.sorted_classes = 1;
    if (!net->input_names && (index = (char **)malloc((size_t)net->n_inputs * (sizeof(char *) + 12)))) {
        for (i = 0; i < net->n_inputs; i++) sprintf(index[i] = (char *)(index + net->n_inputs) + 12 * i, "%d", i);
        if (!net->target_names) sprintf(target, "%d", net->n_inputs);
    }
    d.features = (const char *const *)(net->input_names ? net->input_names : index); d.n_features = net->n_inputs;
    d.class_names = (const char *const *)net->class_names; d.n_classes = net->n_class_names;
    d.task = regression ? NNET_CSV_REGRESSION : NNET_CSV_CLASSIFICATION;
    csv = d.features ? nnet_csv_load(path, &d) : NULL;
    free(index);
    if (!csv) return fprintf(stderr, "predict: %s\n", d.features ? nnet_error() : "out of memory"), 2;
    P = nnet_mat_create(csv->inputs.rows, O);
    if (!P.data || nnet_predict_raw(net, csv->inputs, P) != NNET_OK) {
        fprintf(stderr, "predict: %s\n", nnet_error());
        status = 2;
    }
    for (i = 0; !status && i < P.rows; i++) {
        int label = csv->data && csv->data->labels ? csv->data->labels[i] : -1;
        snprintf(name, sizeof name, "row %d", i + 1);
        if (regression) {
            printf("%s:", name);
            for (j = 0; j < O; j++)
                printf(" %s%s%.6g", j < net->n_target_names ? net->target_names[j] : "", j < net->n_target_names ? " " : "",
                       (double)NNET_AT(P, i, j));
            printf("\n");
            continue;
        }
        if (label >= 0 && !net->class_names) {   // the file's class "3" is the model's class 3
            long c = strtol(csv->class_names[label], &end, 10);
            label = *end || c < 0 || c >= (O == 1 ? 2 : O) ? -1 : (int)c;
        }
        correct += print_prediction(name, &NNET_AT(P, i, 0), O, label, net->class_names) == label;
    }
    if (!status && csv->data && csv->data->labels) printf("accuracy=%.4f (%d of %d)\n", (double)correct / P.rows, correct, P.rows);
    if (!status && csv->data && !csv->data->labels) {
        nnet_regression_metrics m;
        if (nnet_regression_metrics_compute(P, csv->data->targets, &m) == NNET_OK) printf("r2=%.4f mae=%.6g\n", m.r2, m.mae);
    }
    nnet_mat_free(&P);
    nnet_csv_free(csv);
    return status;
}

int main(int argc, char **argv) {
    nnet *net;
    float pixels[784];
    int i, status = 0, outputs;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: predict MODEL IMAGE...       classify images (PNG, JPEG, BMP, GIF, PGM) of digits\n"
                   "       predict MODEL --idx MNIST_DIR  classify the t10k test files of an MNIST-layout\n"
                   "                                      directory and print the accuracy\n"
                   "       predict MODEL --csv FILE       answer for every row of a CSV file (raw values;\n"
                   "                                      with the target column: also the accuracy or R^2)\n"
                   "MODEL is a model file saved by mnist, pair, quickstart or tabular (nnet_save). An image\n"
                   "named like 3_scan.png gives its true label, shown next to the answer.\n"
                   "  -h, --help   print this and exit\n");
            return 0;
        }
    if (argc < 3 || ((!strcmp(argv[2], "--idx") || !strcmp(argv[2], "--csv")) && argc != 4)) {
        fprintf(stderr, "predict: expected MODEL IMAGE..., MODEL --idx MNIST_DIR or MODEL --csv FILE (see --help)\n");
        return 2;
    }
    if (!(net = nnet_load(argv[1]))) { fprintf(stderr, "predict: %s\n", nnet_error()); return 2; }
    outputs = nnet_output_size(net);
    printf("model %s: %d inputs, %d layers, %d outputs\n", argv[1], net->n_inputs, net->n_layers, outputs);
    if (!strcmp(argv[2], "--csv")) status = predict_csv(net, argv[3]);
    else if (!strcmp(argv[2], "--idx")) {   // every test sample of an MNIST-layout directory
        nnet_dataset *test = NULL;
        nnet_mat P;
        int correct = 0, labelled = 0;
        char name[64];
        if (nnet_dataset_load_mnist(argv[3], NULL, &test) != NNET_OK) {
            fprintf(stderr, "predict: %s\n", nnet_error());
            nnet_free(net);
            return 2;
        }
        // Without class names, a label no output means: these are not this model's labels.
        for (i = 0; !net->class_names && i < test->inputs.rows && test->labels[i] < (outputs == 1 ? 2 : outputs); i++) {}
        if (!net->class_names && i < test->inputs.rows) {
            fprintf(stderr, "predict: test[%d] of %s has the label %d, but the model's %d output%s mean%s classes 0..%d\n", i,
                    argv[3], test->labels[i], outputs, outputs == 1 ? "" : "s", outputs == 1 ? "s" : "", outputs == 1 ? 1 : outputs - 1);
            nnet_dataset_free(test);
            nnet_free(net);
            return 2;
        }
        P = nnet_mat_create(test->inputs.rows, outputs);
        if (!P.data || nnet_predict_dataset(net, test, &P, NULL) != NNET_OK) {
            fprintf(stderr, "predict: %s\n", nnet_error());
            status = 2;
        }
        for (i = 0; !status && i < P.rows; i++) {   // with class names, the samples of other classes have no label
            int label = class_of_label(net, test->labels[i]);
            snprintf(name, sizeof name, "test[%d]", i);
            correct += print_prediction(name, &NNET_AT(P, i, 0), outputs, label, net->class_names) == label;
            labelled += label >= 0;
        }
        if (!status) printf("accuracy=%.4f (%d of %d)\n", labelled ? (double)correct / labelled : 0.0, correct, labelled);
        nnet_mat_free(&P);
        nnet_dataset_free(test);
    } else if (net->n_inputs != 784) {
        fprintf(stderr, "predict: the model takes %d inputs; images give 784 (28x28)\n", net->n_inputs);
        status = 2;
    } else {
        nnet_mat P = nnet_mat_create(1, outputs);
        const char *base;
        for (i = 2; P.data && i < argc; i++) {   // one image at a time
            if (nnet_image_load_mnist(argv[i], pixels) != NNET_OK || nnet_predict(net, nnet_mat_view(1, 784, pixels), P) != NNET_OK) {
                fprintf(stderr, "predict: %s\n", nnet_error());
                status = 2;
                continue;
            }
            base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
            print_prediction(argv[i], P.data, outputs, base[0] >= '0' && base[0] <= '9' && base[1] == '_' ? class_of_label(net, base[0] - '0') : -1,
                             net->class_names);
        }
        if (!P.data) { fprintf(stderr, "predict: %s\n", nnet_error()); status = 1; }
        nnet_mat_free(&P);
    }
    nnet_free(net);
    return status;
}
