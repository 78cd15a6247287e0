// experiments.c - rerun the source studies' experiment grids with nnet.h and
// print markdown tables: configuration, the study's figure, nnet.h's test
// accuracy. The studies are in docs/experiments.md, which explains every
// assumption and every strong difference.
//
// Build: cc -std=c99 -O2 -I. examples/experiments.c -o examples/experiments -lstb -lm
// Run:   ./examples/experiments --data data/mnist-sample --grid all
//        (--grid 000|002|003|all, --epochs N overrides the 10 epochs, --seeds K
//         runs seeds S..S+K-1 (default 1..3) and prints mean (min-max);
//         point --data at a full MNIST directory to train on 60,000 digits)
#define _POSIX_C_SOURCE 200809L   // mkstemp (flags.h)
#include <stb/stb_image.h>        // lets nnet.h read the .gz MNIST files (link -lstb)
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "flags.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { R = NNET_ACT_RELU, S = NNET_ACT_SIGMOID, T = NNET_ACT_TANH, L = NNET_ACT_LEAKY_RELU };
enum { RANDOM = NNET_INIT_UNIFORM, XAVIER = NNET_INIT_XAVIER_UNIFORM, KAIMING = NNET_INIT_KAIMING_NORMAL,
       LECUN = NNET_INIT_LECUN_NORMAL, UNSCALED = 100 };   // UNSCALED: N(0, 1), as 002's code drew

typedef struct config {
    const char *grid, *name;   // study number and row label
    int hidden[3];             // hidden layer sizes, 0-terminated; the output layer has 10
    int act[3];                // activation of each hidden layer
    int init;                  // an nnet_init, or UNSCALED
    float dropout, l2;         // dropout on every hidden layer; L2 lambda
    int mse;                   // sigmoid outputs with squared error (002) instead of softmax + CE
    const char *study;         // the study's own figure
} config;

// Study 000: Table 1 (layers, init, activation, dropout) and Table 2 (last validation accuracy).
// Study 002: its three runs (train / validation accuracy from its Results section).
// Study 003: 784-200 leaky ReLU-20 tanh-10 softmax, init x L2 (train / test accuracy).
static const config configs[] = {
    {"000", "1: 784-10-10 random relu",           {10},         {R},       RANDOM,  0, 0, 0, "84.71%"},
    {"000", "2: 784-10-10 kaiming relu",          {10},         {R},       KAIMING, 0, 0, 0, "87.62%"},
    {"000", "3: 784-10-10 xavier relu",           {10},         {R},       XAVIER,  0, 0, 0, "89.43%"},
    {"000", "4: 784-10-10 random sigmoid",        {10},         {S},       RANDOM,  0, 0, 0, "10.10%"},
    {"000", "5: 784-10-10 random tanh",           {10},         {T},       RANDOM,  0, 0, 0, "10.90%"},
    {"000", "6: 784-20-10 random relu",           {20},         {R},       RANDOM,  0, 0, 0, "86.71%"},
    {"000", "7: 784-20-10 kaiming relu",          {20},         {R},       KAIMING, 0, 0, 0, "90.67%"},
    {"000", "8: 784-20-10 xavier relu",           {20},         {R},       XAVIER,  0, 0, 0, "89.76%"},
    {"000", "9: 784-10-10 random sigmoid",        {10},         {S},       RANDOM,  0, 0, 0, "10.95%"},
    {"000", "10: 784-20-10 random tanh",          {20},         {T},       RANDOM,  0, 0, 0, "12.38%"},
    {"000", "11: 784-10-10-10 random relu",       {10, 10},     {R, R},    RANDOM,  0, 0, 0, "72.43%"},
    {"000", "12: 784-20-10-10 kaiming sigmoid",   {20, 10},     {S, S},    KAIMING, 0, 0, 0, "15.48%"},
    {"000", "13: 784-5-10-10 xavier tanh",        {5, 10},      {T, T},    XAVIER,  0, 0, 0, "11.59%"},
    {"000", "14: 784-20-20-10 random relu",       {20, 20},     {R, R},    RANDOM,  0, 0, 0, "10.43%"},
    {"000", "15: 784-10-20-10 random relu",       {10, 20},     {R, R},    RANDOM,  0, 0, 0, "13.42%"},
    {"000", "16: 784-20-10-10 xavier relu, dropout",   {20, 10}, {R, R},   XAVIER,  0.2f, 0, 0, "23.76%"},
    {"000", "17: 784-10-10-10 xavier sigmoid, dropout", {10, 10}, {S, S},  XAVIER,  0.2f, 0, 0, "37.48%"},
    {"000", "18: 784-20-20-10 kaiming relu, dropout",  {20, 20}, {R, R},   KAIMING, 0.2f, 0, 0, "73.10%"},
    {"000", "19: 784-20-10 random sigmoid, dropout",   {20},     {S},      RANDOM,  0.2f, 0, 0, "70.14%"},
    {"000", "20: 784-30-10 xavier relu, dropout",      {30},     {R},      XAVIER,  0.2f, 0, 0, "90.86%"},
    {"002", "random: 784-100 relu-40 relu-10 sigmoid, MSE",       {100, 40},  {R, R}, RANDOM,   0, 0, 1, "79.47% / 78.71%"},
    {"002", "He as coded, N(0,1): 784-150 relu-90 tanh-10 sigmoid", {150, 90},  {R, T}, UNSCALED, 0, 0, 1, "27.83% / 27.61%"},
    {"002", "He, N(0, 2/fan_in): same network",                  {150, 90},  {R, T}, KAIMING,  0, 0, 1, "-"},
    {"002", "LeCun as coded, N(0,1): 784-400 relu-200 tanh-10 sigmoid", {400, 200}, {R, T}, UNSCALED, 0, 0, 1, "24.01% / 22.88%"},
    {"002", "LeCun, N(0, 1/fan_in): same network",               {400, 200}, {R, T}, LECUN,    0, 0, 1, "-"},
    {"003", "random U(-0.5, 0.5)",       {200, 20}, {L, T}, RANDOM,  0, 0,     0, "79.9% / 76.6% (42k)"},
    {"003", "Kaiming",                   {200, 20}, {L, T}, KAIMING, 0, 0,     0, "80.307% / 77.7% (42k)"},
    {"003", "random + L2",               {200, 20}, {L, T}, RANDOM,  0, 1e-4f, 0, "80.282% / 80.4% (42k); 89.20% / 88.8% (60k)"},
    {"003", "Kaiming + L2",              {200, 20}, {L, T}, KAIMING, 0, 1e-4f, 0, "89.48% / 89.4% (60k)"},
};

// Train one configuration and return its test accuracy, or a negative
// number when nnet.h refuses or the run diverges (the message is printed).
static double run(const config *c, const nnet_dataset *train, const nnet_dataset *test,
                  int epochs, uint64_t seed) {
    nnet_desc d;
    nnet_train_desc t;
    nnet *net;
    double loss, accuracy = -1.0;
    int l, status;
    memset(&d, 0, sizeof d);
    d.n_inputs = 784;
    for (l = 0; l < 3 && c->hidden[l]; l++) {
        d.sizes[l] = c->hidden[l];
        d.activations[l] = (nnet_activation)c->act[l];
        d.dropout[l] = c->dropout;
    }
    d.sizes[l] = 10;
    d.activations[l] = c->mse ? NNET_ACT_SIGMOID : NNET_ACT_SOFTMAX;
    d.loss = c->mse ? NNET_LOSS_MSE : NNET_LOSS_CROSS_ENTROPY;
    d.n_layers = l + 1;
    d.init = c->init == UNSCALED ? NNET_INIT_LECUN_NORMAL : (nnet_init)c->init;
    d.init_scale = 0.5f;                       // "random" = U(-0.5, 0.5), weights and biases
    d.seed = seed;
    if (!(net = nnet_create(&d))) { fprintf(stderr, "%s: %s\n", c->name, nnet_error()); return -1.0; }
    if (c->init == UNSCALED) {                 // 002's code: np.random.randn without the sqrt(k/fan_in)
        nnet_rng rng;
        nnet_rng_seed(&rng, seed);
        for (l = 0; l < net->n_layers; l++) {
            nnet_mat W = net->layers[l].weight;
            size_t k, n = (size_t)W.rows * (size_t)W.cols;
            for (k = 0; k < n; k++) W.data[k] = nnet_rng_normal(&rng);
        }
    }
    memset(&t, 0, sizeof t);
    t.epochs = epochs; t.batch_size = 32; t.learning_rate = 0.05f; t.momentum = 0.9f;
    t.l2 = c->l2; t.seed = seed;
    status = nnet_train(net, train, NULL, &t, NULL, NULL);
    if (status == NNET_OK) status = nnet_evaluate(net, test, &loss, &accuracy);
    if (status != NNET_OK) { fprintf(stderr, "%s: %s\n", c->name, nnet_error()); accuracy = -1.0; }
    nnet_free(net);
    return accuracy;
}

int main(int argc, char **argv) {
    const char *data = "data/mnist-sample", *grid = "all", *last = "";
    int epochs = 10, seeds = 3, first_seed = 1, i, k, status, n = (int)(sizeof configs / sizeof configs[0]);
    flag flags[] = {{"data", 's', &data, "MNIST-layout directory", NULL}, {"grid", 's', &grid, "the study to rerun", "000|002|003|all"},
        {"epochs", 'i', &epochs, "epochs of every run", "[1,1000000]"}, {"seed", 'i', &first_seed, "the first seed", "[0,2147483647]"},
        {"seeds", 'i', &seeds, "seeds per configuration, from --seed on", "[1,1000]"}};
    uint64_t seed;
    nnet_dataset *train = NULL, *test = NULL;
    time_t start = time(NULL);
    if ((status = parse_flags("experiments", "rerun the source studies' grids (docs/experiments.md)", argc, argv, flags,
                              (int)(sizeof flags / sizeof flags[0]))))
        return status < 0 ? 0 : status;
    seed = (uint64_t)first_seed;
    if (nnet_dataset_load_mnist(data, &train, &test) != NNET_OK) {
        fprintf(stderr, "experiments: %s%s\n", nnet_error(), data_hint(data));
        return 2;
    }
    printf("Data: %s (%d training, %d test digits). Every run: SGD, batch 32, learning rate 0.05,\n"
           "momentum 0.9, %d epochs. nnet.h column: accuracy on the %d test digits, mean over\n"
           "seeds %llu..%llu (min-max).\n", data, train->inputs.rows, test->inputs.rows, epochs, test->inputs.rows,
           (unsigned long long)seed, (unsigned long long)(seed + (uint64_t)seeds - 1));
    for (i = 0; i < n; i++) {
        const config *c = &configs[i];
        double accuracy = 0.0, sum = 0.0, low = 1.0, high = 0.0;
        if (strcmp(grid, "all") != 0 && strcmp(grid, c->grid) != 0) continue;
        if (strcmp(last, c->grid) != 0) {
            last = c->grid;
            printf("\n### Study %s\n\n| configuration | study: %s | nnet.h: test |\n|---|---|---|\n", c->grid,
                   c->grid[2] == '0' ? "last validation" : c->grid[2] == '2' ? "train / validation" : "train / test");
        }
        for (k = 0; k < seeds && accuracy >= 0.0; k++) {
            accuracy = run(c, train, test, epochs, seed + (uint64_t)k);
            sum += accuracy;
            low = accuracy < low ? accuracy : low;
            high = accuracy > high ? accuracy : high;
        }
        if (accuracy < 0.0) printf("| %s | %s | failed (see stderr) |\n", c->name, c->study);
        else if (seeds == 1) printf("| %s | %s | %.2f%% |\n", c->name, c->study, 100.0 * accuracy);
        else printf("| %s | %s | %.2f%% (%.2f-%.2f) |\n", c->name, c->study, 100.0 * sum / seeds, 100.0 * low, 100.0 * high);
        fflush(stdout);
    }
    printf("\nWall time: %.0f s\n", difftime(time(NULL), start));
    nnet_dataset_free(train);
    nnet_dataset_free(test);
    return 0;
}
