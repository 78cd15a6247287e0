/* tests/test_layers.c - NNET_MAX_LAYERS can be raised: a 24-layer network
   (over the default 16) builds, trains, and saves and loads as a model and
   as a checkpoint. The option must be the same in every file that includes
   nnet.h, so it is defined before the include, as a user would. */
#define NNET_MAX_LAYERS 24
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

static void deeper_than_the_default(void) {
    nnet_dataset *data = nnet_dataset_create(64, 4, 2);
    nnet_desc d;
    nnet_train_desc t;
    nnet *net, *back;
    nnet_rng rng;
    unsigned char *bytes;
    size_t size = 0;
    int i, l;
    CHECK(data != NULL);
    if (!data) return;
    nnet_rng_seed(&rng, 1);
    for (i = 0; i < 64; i++) {
        data->labels[i] = i % 2;
        for (l = 0; l < 4; l++) NNET_AT(data->inputs, i, l) = nnet_rng_normal(&rng) + (float)(i % 2);
    }
    memset(&d, 0, sizeof d);
    d.n_inputs = 4; d.n_layers = 24;
    for (l = 0; l < 23; l++) { d.sizes[l] = 6; d.activations[l] = NNET_ACT_TANH; }
    d.sizes[23] = 2;
    net = nnet_create(&d);
    CHECK(net != NULL && net->n_layers == 24);
    if (!net) { printf("  %s\n", nnet_error()); return; }
    memset(&t, 0, sizeof t);
    t.epochs = 2; t.learning_rate = 0.001f; t.optimizer = NNET_ADAM;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
    // a checkpoint of 24 layers: 6 tensors per layer, 144 in all
    CHECK_STATUS(nnet_save_checkpoint_to_memory(net, NULL, 0, &size), NNET_OK);
    bytes = (unsigned char *)malloc(size);
    CHECK_STATUS(nnet_save_checkpoint_to_memory(net, bytes, size, &size), NNET_OK);
    back = nnet_load_from_memory(bytes, size);
    CHECK(back && back->n_layers == 24 && back->epoch == 2 &&
          !memcmp(back->parameters, net->parameters, net->n_parameters * sizeof(float)));
    nnet_free(back);
    d.n_layers = 25;
    CHECK(nnet_create(&d) == NULL && strstr(nnet_error(), "expected 1..24"));
    free(bytes);
    nnet_free(net);
    nnet_dataset_free(data);
}

int main(void) {
    RUN(deeper_than_the_default);
    return test_summary("test_layers");
}
