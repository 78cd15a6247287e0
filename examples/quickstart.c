/* quickstart.c - the smallest complete nnet.h program: learn XOR, then
   predict, save the network, load it back and check the copy agrees.
   Build: cc -std=c99 -O2 -I. examples/quickstart.c -o examples/quickstart -lm
   Run:   ./examples/quickstart [MODEL_PATH]     (default: xor.nnet) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "xor.nnet";
    const uint64_t seed = 1;
    nnet_dataset *xor_data;
    nnet_desc d = {0};          // zero fields mean "default"
    nnet_train_desc t = {0};
    nnet *net, *copy;
    float p[4], q[4];
    int i, status;
    if (argc == 2 && (!strcmp(path, "-h") || !strcmp(path, "--help")))
        return printf("usage: quickstart [MODEL_PATH]   learn XOR, save the network to MODEL_PATH (xor.nnet), load it back\n"), 0;
    if (argc > 2) return fprintf(stderr, "quickstart: expected at most one argument, MODEL_PATH (see --help)\n"), 2;
    if (!(xor_data = nnet_dataset_create(4, 2, 2))) { fprintf(stderr, "quickstart: %s\n", nnet_error()); return 1; }   // 4 samples, 2 inputs, 2 classes
    for (i = 0; i < 4; i++) {   // the inputs (0,0) (0,1) (1,0) (1,1); the label is a XOR b
        NNET_AT(xor_data->inputs, i, 0) = (float)(i >> 1);
        NNET_AT(xor_data->inputs, i, 1) = (float)(i & 1);
        xor_data->labels[i] = (i >> 1) ^ (i & 1);
    }

    // 2 inputs -> 8 tanh units -> 1 sigmoid output, trained with binary cross-entropy.
    d.n_inputs = 2; d.n_layers = 2; d.sizes[0] = 8; d.sizes[1] = 1;
    d.activations[0] = NNET_ACT_TANH; d.seed = seed;
    if (!(net = nnet_create(&d))) { fprintf(stderr, "quickstart: %s\n", nnet_error()); return 1; }
    t.epochs = 300; t.batch_size = 4; t.learning_rate = 0.5f; t.momentum = 0.9f; t.seed = seed;
    if ((status = nnet_train(net, xor_data, NULL, &t, NULL, NULL)) != NNET_OK) {
        fprintf(stderr, "quickstart: %s\n", nnet_error());
        return 1;
    }

    // Predict: P (4, 1) holds p(label = 1) for each sample.
    nnet_predict(net, xor_data->inputs, nnet_mat_view(4, 1, p));
    printf("seed=%d\n", (int)seed);
    for (i = 0; i < 4; i++)
        printf("%g xor %g = %d   p(1) = %.4f\n", (double)NNET_AT(xor_data->inputs, i, 0),
               (double)NNET_AT(xor_data->inputs, i, 1), p[i] >= 0.5f, (double)p[i]);

    // Save, load, and check that the loaded copy predicts exactly the same.
    if (nnet_save(net, path) != NNET_OK || !(copy = nnet_load(path))) {
        fprintf(stderr, "quickstart: %s\n", nnet_error());
        return 1;
    }
    nnet_predict(copy, xor_data->inputs, nnet_mat_view(4, 1, q));
    for (status = 0, i = 0; i < 4; i++) status |= p[i] != q[i] || (p[i] >= 0.5f) != xor_data->labels[i];
    printf("saved to %s and loaded back: %s\n", path, status ? "MISMATCH" : "same predictions, all 4 correct");
    nnet_free(copy);
    nnet_free(net);
    nnet_dataset_free(xor_data);
    return status;
}
