/* tests/strict_build.c - what a user's program does with nnet.h, for the
   strict build matrix of `make test` (Makefile: STRICT_BUILDS): trains once,
   predicts, saves, and reads a file back, with the zero-initialised
   descriptions the README shows, in C and in C++. Every build uses -Werror,
   so a warning any compiler, -O level or option (-flto, NNET_STATIC,
   NNET_NO_STDIO) finds in nnet.h fails `make test`. The builds are linked
   (-flto warns only then) but not run. */
#include <stb/stb_image.h>   /* as the examples do: the .gz and image paths compile too */
#define NNET_IMPLEMENTATION
#include "nnet.h"

int main(void) {
    static float x[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    static int y[4] = {0, 1, 1, 0};
    int predicted[4];
    size_t size;
    nnet *net;
#ifdef __cplusplus
    nnet_dataset data = {};   /* the README's C++ idiom: value-initialised, every field zero */
    nnet_desc d = {};
    nnet_train_desc t = {};
#else
    nnet_dataset data = {0};  /* the README's C idiom */
    nnet_desc d = {0};
    nnet_train_desc t = {0};
#endif
    data.inputs = nnet_mat_view(4, 2, x); data.labels = y; data.n_classes = 2;
    d.n_inputs = 2; d.n_layers = 2; d.sizes[0] = 8; d.sizes[1] = 2;
    t.epochs = 1; t.learning_rate = 0.1f;
    if (!(net = nnet_create(&d)) || nnet_train(net, &data, NULL, &t, NULL, NULL) != NNET_OK ||
        nnet_predict_classes(net, data.inputs, predicted) != NNET_OK || nnet_save_to_memory(net, NULL, 0, &size) != NNET_OK)
        return 1;
#ifndef NNET_NO_STDIO
    {
        nnet *back;
        if (nnet_save(net, "strict.nnet") != NNET_OK || !(back = nnet_load("strict.nnet"))) return 1;
        nnet_free(back);
    }
#endif
    nnet_free(net);
    return 0;
}
