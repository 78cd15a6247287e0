/* tests/reading_case.h - the training run tests/test_reading.c does in both
   builds: the reading build (NNET_REFERENCE) in test_reading.c and the fast
   build in tests/reading_fast.c. Each translation unit includes nnet.h with
   its own settings first; this file only builds the data and trains. */
#ifndef READING_CASE_H
#define READING_CASE_H

/* One epoch of a 20-32-16-4 network (dropout, L2, Nesterov, clipping,
   warm-up) on 600 samples of 4 classes; its weights into weights (up to
   capacity floats), their count into *n. threads: nnet_train_desc.threads. */
static int reading_case_train(int threads, float *weights, size_t capacity, size_t *n) {
    nnet_dataset *data = nnet_dataset_create(600, 20, 4);
    nnet_desc d;
    nnet_train_desc t;
    nnet_rng rng;
    nnet *net;
    int i, j, status;
    if (!data) return NNET_ERR_MEMORY;
    nnet_rng_seed(&rng, 12);
    for (i = 0; i < 600; i++) {
        data->labels[i] = i % 4;
        for (j = 0; j < 20; j++) NNET_AT(data->inputs, i, j) = nnet_rng_normal(&rng) + (j % 4 == i % 4 ? 1.0f : 0.0f);
    }
    memset(&d, 0, sizeof d);
    d.n_inputs = 20; d.n_layers = 3; d.sizes[0] = 32; d.sizes[1] = 16; d.sizes[2] = 4;
    d.dropout[0] = 0.2f; d.seed = 5;
    memset(&t, 0, sizeof t);
    t.epochs = 1; t.batch_size = 24; t.learning_rate = 0.05f; t.momentum = 0.9f; t.nesterov = 1; t.l2 = 1e-3f;
    t.clip_norm = 2.0f; t.warmup_epochs = 1; t.seed = 6; t.threads = threads;
    net = nnet_create(&d);
    status = net ? nnet_train(net, data, NULL, &t, NULL, NULL) : NNET_ERR_MEMORY;
    if (status == NNET_OK && net->n_parameters <= capacity) {
        memcpy(weights, net->parameters, net->n_parameters * sizeof(float));
        *n = net->n_parameters;
    }
    nnet_free(net);
    nnet_dataset_free(data);
    return status;
}
#endif
