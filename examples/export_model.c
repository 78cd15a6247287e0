/* export_model.c - train a tiny network, save it as a model file and as C
   source, and check that both give back the same network bit for bit.

   Build: cc -std=c99 -O2 -I. examples/export_model.c -o export_model -lm
   Run:   ./export_model [directory]     (default: the current directory)

   It writes DIR/tiny.safetensors (nnet_save), DIR/tiny_model.h
   (nnet_export_c) and DIR/tiny_probe.txt (inputs and the network's outputs,
   which tests/data/model/check_python.py compares with PyTorch). The test
   suite keeps the output of `./export_model tests/data/model`: tests/test_model.c
   compiles against tiny_model.h and checks it matches tiny.safetensors.

   The task: three classes of points in 4-D, class c centred at a different
   corner; 4 -> 8 (tanh) -> 6 (leaky ReLU) -> 3 (softmax), seed 7. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include <stdio.h>
#include <string.h>

#define SAMPLES 300
#define PROBES 8

// Class c: the point (c == 0, c == 1, c == 2, 0.5) plus noise of deviation 0.3.
static void make_data(nnet_dataset *data, nnet_rng *rng) {
    int i, j;
    for (i = 0; i < data->inputs.rows; i++) {
        int c = (int)nnet_rng_below(rng, 3);
        data->labels[i] = c;
        for (j = 0; j < 4; j++)
            NNET_AT(data->inputs, i, j) = (j == c ? 1.0f : j == 3 ? 0.5f : 0.0f) + 0.3f * nnet_rng_normal(rng);
    }
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : ".";
    char model_path[1024], header_path[1024], probe_path[1024];
    nnet_desc d;
    nnet_train_desc t;
    nnet_rng rng;
    nnet *net, *loaded;
    nnet_dataset *data;
    double loss, accuracy;
    float outputs[PROBES * 3], again[PROBES * 3];
    FILE *probe;
    int i, j;
    if (argc == 2 && (!strcmp(dir, "-h") || !strcmp(dir, "--help")))
        return printf("usage: export_model [DIRECTORY]   write tiny.safetensors, tiny_model.h and tiny_probe.txt there (.)\n"), 0;
    if (argc > 2) return fprintf(stderr, "export_model: expected at most one argument, DIRECTORY (see --help)\n"), 2;

    snprintf(model_path, sizeof model_path, "%s/tiny.safetensors", dir);
    snprintf(header_path, sizeof header_path, "%s/tiny_model.h", dir);
    snprintf(probe_path, sizeof probe_path, "%s/tiny_probe.txt", dir);
    printf("seed 7; writing %s, %s and %s\n", model_path, header_path, probe_path);

    memset(&d, 0, sizeof d);
    d.n_inputs = 4; d.n_layers = 3;
    d.sizes[0] = 8; d.sizes[1] = 6; d.sizes[2] = 3;
    d.activations[0] = NNET_ACT_TANH; d.activations[1] = NNET_ACT_LEAKY_RELU; d.activations[2] = NNET_ACT_SOFTMAX;
    d.dropout[0] = 0.125f; d.leaky_slope = 0.05f; d.seed = 7;
    net = nnet_create(&d);
    data = nnet_dataset_create(SAMPLES, 4, 3);
    if (!net || !data) { fprintf(stderr, "%s\n", nnet_error()); return 1; }
    nnet_rng_seed(&rng, 7);
    make_data(data, &rng);

    memset(&t, 0, sizeof t);
    t.epochs = 20; t.batch_size = 16; t.learning_rate = 0.1f; t.momentum = 0.9f; t.seed = 7;
    if (nnet_train(net, data, NULL, &t, NULL, NULL) != NNET_OK ||
        nnet_evaluate(net, data, &loss, &accuracy) != NNET_OK) {
        fprintf(stderr, "%s\n", nnet_error());
        return 1;
    }
    printf("trained: loss %.4f, accuracy %.4f on the training set\n", loss, accuracy);

    if (nnet_save(net, model_path) != NNET_OK || nnet_export_c(net, header_path, "tiny") != NNET_OK) {
        fprintf(stderr, "%s\n", nnet_error());
        return 1;
    }

    // The first PROBES training points, and what the network says about them.
    if (nnet_predict(net, nnet_mat_view(PROBES, 4, data->inputs.data), nnet_mat_view(PROBES, 3, outputs)) != NNET_OK) {
        fprintf(stderr, "%s\n", nnet_error());
        return 1;
    }
    if (!(probe = fopen(probe_path, "w"))) { perror(probe_path); return 1; }
    fprintf(probe, "# %d rows: 4 inputs, then the 3 outputs of tiny.safetensors (nnet_predict), %%.9g\n", PROBES);
    for (i = 0; i < PROBES; i++) {
        for (j = 0; j < 4; j++) fprintf(probe, "%.9g ", (double)NNET_AT(data->inputs, i, j));
        for (j = 0; j < 3; j++) fprintf(probe, "%.9g%s", (double)outputs[i * 3 + j], j < 2 ? " " : "\n");
    }
    if (fclose(probe) != 0) { perror(probe_path); return 1; }

    // The saved file gives back the same network, bit for bit.
    loaded = nnet_load(model_path);
    if (!loaded) { fprintf(stderr, "%s\n", nnet_error()); return 1; }
    nnet_predict(loaded, nnet_mat_view(PROBES, 4, data->inputs.data), nnet_mat_view(PROBES, 3, again));
    printf("reloaded model: predictions %s, parameters %s\n",
           memcmp(outputs, again, sizeof outputs) == 0 ? "identical" : "DIFFERENT",
           memcmp(net->parameters, loaded->parameters, net->n_parameters * sizeof(float)) == 0 ? "identical" : "DIFFERENT");
    i = memcmp(outputs, again, sizeof outputs) != 0;
    nnet_free(loaded);
    nnet_free(net);
    nnet_dataset_free(data);
    return i;
}
