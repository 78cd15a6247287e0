/* predict.c - classify images with a model saved by mnist (or pair, quickstart).
   Prints, per image, the predicted class with its probability and the top 3.
   Build: cc -std=c99 -O2 -I. examples/predict.c -o examples/predict -lstb -lm
   Run:   ./examples/predict mnist.nnet data/digits/3.png data/digits/7.png
          ./examples/predict mnist.nnet --idx data/mnist-sample   (its t10k test files,
          with the labels: also prints the accuracy)
   Images are PNG, JPEG, BMP, GIF or PGM; any size, dark digit on light or light
   on dark, preprocessed like MNIST. A file name that starts with a digit and
   '_' (data/digits/3_scan.png) gives the true label, shown next to the answer.
   A bad model or image: one line on stderr, and the exit status is 2 (the
   other images are still classified); so is a test label no output of the
   model means. Usage: -h or --help */
#include <stb/stb_image.h>   /* image decoding for nnet_image_load_mnist (link -lstb) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Print one line: the predicted class with its probability, then the three
// most likely classes; return the predicted class. p holds the network's
// outputs for one sample (O values); a single sigmoid output is read as two
// classes, 0 with probability 1 - p and 1 with p. label < 0: unknown.
static int print_prediction(const char *name, const float *p, int outputs, int label) {
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
    printf("%s: %d (p=%.4f)  top %d:", name, top[0], (double)p[top[0]], shown);
    for (k = 0; k < shown; k++) printf(" %d %.4f%s", top[k], (double)p[top[k]], k < shown - 1 ? "," : "");
    if (label >= 0) printf("  label %d%s", label, label == top[0] ? "" : "  WRONG");
    printf("\n");
    return top[0];
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
                   "MODEL is a model file saved by mnist, pair or quickstart (nnet_save). An image named\n"
                   "like 3_scan.png gives its true label, shown next to the answer.\n"
                   "  -h, --help   print this and exit\n");
            return 0;
        }
    if (argc < 3 || (!strcmp(argv[2], "--idx") && argc != 4)) {
        fprintf(stderr, "predict: expected MODEL IMAGE... or MODEL --idx MNIST_DIR (see --help)\n");
        return 2;
    }
    if (!(net = nnet_load(argv[1]))) { fprintf(stderr, "predict: %s\n", nnet_error()); return 2; }
    outputs = nnet_output_size(net);
    printf("model %s: %d inputs, %d layers, %d outputs\n", argv[1], net->n_inputs, net->n_layers, outputs);
    if (!strcmp(argv[2], "--idx")) {   // every test sample of an MNIST-layout directory
        nnet_dataset *test = NULL;
        nnet_mat P;
        int correct = 0;
        char name[64];
        if (nnet_dataset_load_mnist(argv[3], NULL, &test) != NNET_OK) {
            fprintf(stderr, "predict: %s\n", nnet_error());
            nnet_free(net);
            return 2;
        }
        for (i = 0; i < test->inputs.rows && test->labels[i] < (outputs == 1 ? 2 : outputs); i++) {}
        if (i < test->inputs.rows) {   // a label no output means: these are not this model's labels
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
        for (i = 0; !status && i < P.rows; i++) {
            snprintf(name, sizeof name, "test[%d]", i);
            correct += print_prediction(name, &NNET_AT(P, i, 0), outputs, test->labels[i]) == test->labels[i];
        }
        if (!status) printf("accuracy=%.4f (%d of %d)\n", (double)correct / P.rows, correct, P.rows);
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
            print_prediction(argv[i], P.data, outputs, base[0] >= '0' && base[0] <= '9' && base[1] == '_' ? base[0] - '0' : -1);
        }
        if (!P.data) { fprintf(stderr, "predict: %s\n", nnet_error()); status = 1; }
        nnet_mat_free(&P);
    }
    nnet_free(net);
    return status;
}
