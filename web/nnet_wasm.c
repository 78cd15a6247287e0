/* web/nnet_wasm.c - what the web page (web/nnet.js) calls in nnet.h, compiled
   to WebAssembly by clang's wasm32-wasi target (no emscripten):
     make web      (builds build/web/nnet.wasm; the command is in the Makefile)
   Every function returns a status (NNET_OK = 0) or a pointer (0 on failure);
   web_error() then gives nnet_error()'s message. The page owns the bytes it
   passes (web_alloc / web_free); a network or dataset built here is freed by
   web_net_free / web_dataset_free. Training calls the page's
   nnet.progress(...) import after every batch. */
#define NNET_NO_STDIO            /* no files in a browser: everything from memory */
#define NNET_IMPLEMENTATION
#include "../nnet.h"
#include <stdlib.h>

// The page's progress function (web/nnet.js, worker side): epoch and batch
// counts, the running loss and accuracy of the epoch, its seconds, and at an
// epoch's end (end = 1) the test set's loss and accuracy. (bench/web_epoch.c
// builds this file natively, with its own web_progress.)
#ifdef __wasm__
#define WEB_EXPORT(name) __attribute__((export_name(#name)))
__attribute__((import_module("nnet"), import_name("progress")))
#else
#define WEB_EXPORT(name)
#endif
extern int web_progress(int epoch, int epochs, int batch, int batches, double loss, double accuracy,
                        double seconds, int end, double test_loss, double test_accuracy);

WEB_EXPORT(web_alloc) void *web_alloc(size_t size) { return malloc(size ? size : 1); }
WEB_EXPORT(web_free) void web_free(void *p) { free(p); }
WEB_EXPORT(web_error) const char *web_error(void) { return nnet_error(); }

// ---- Networks and model files ----------------------------------------------
WEB_EXPORT(web_net_load) nnet *web_net_load(const void *bytes, size_t size) { return nnet_load_from_memory(bytes, size); }
WEB_EXPORT(web_net_free) void web_net_free(nnet *net) { nnet_free(net); }
WEB_EXPORT(web_net_inputs) int web_net_inputs(const nnet *net) { return net->n_inputs; }
WEB_EXPORT(web_net_outputs) int web_net_outputs(const nnet *net) { return nnet_output_size(net); }
WEB_EXPORT(web_net_layers) int web_net_layers(const nnet *net) { return net->n_layers; }
WEB_EXPORT(web_net_layer_size) int web_net_layer_size(const nnet *net, int l) { return net->layers[l].n_outputs; }

// The model file of net in a new buffer (web_free it); its size in *size.
WEB_EXPORT(web_net_save) void *web_net_save(const nnet *net, size_t *size) {
    void *buffer;
    if (nnet_save_to_memory(net, NULL, 0, size) != NNET_OK) return NULL;
    if (!(buffer = malloc(*size))) return NULL;
    if (nnet_save_to_memory(net, buffer, *size, size) != NNET_OK) { free(buffer); return NULL; }
    return buffer;
}

// ---- Predicting --------------------------------------------------------------
// probabilities (O) = the network's outputs for one sample pixels (I), with
// scratch kept from call to call (no allocation once it is big enough).
WEB_EXPORT(web_predict) int web_predict(const nnet *net, float *pixels, float *probabilities) {
    static float *scratch;
    static size_t capacity;
    size_t need = nnet_predict_scratch_floats(net, 1);
    if (need > capacity) {
        free(scratch);
        capacity = 0;
        if (!(scratch = (float *)malloc(need * sizeof(float)))) return NNET_ERR_MEMORY;
        capacity = need;
    }
    return nnet_predict_with(net, nnet_mat_view(1, net->n_inputs, pixels),
                             nnet_mat_view(1, nnet_output_size(net), probabilities), 1, scratch, capacity);
}

// A picture (grey (H, W), 0 = black; the pad or a decoded photo) to the 784
// pixels the network sees, then its outputs.
WEB_EXPORT(web_read_digit) int web_read_digit(const nnet *net, const unsigned char *grey, int width, int height,
                                              float *pixels, float *probabilities) {
    int status = nnet_image_to_mnist(grey, width, height, pixels);
    return status == NNET_OK ? web_predict(net, pixels, probabilities) : status;
}

// ---- Training ----------------------------------------------------------------
// A dataset from raw (already gunzipped) IDX images and labels.
WEB_EXPORT(web_dataset_load) nnet_dataset *web_dataset_load(const void *images, size_t images_size,
                                                            const void *labels, size_t labels_size) {
    return nnet_dataset_load_idx_from_memory(images, images_size, labels, labels_size, 10);
}
WEB_EXPORT(web_dataset_free) void web_dataset_free(nnet_dataset *data) { nnet_dataset_free(data); }
WEB_EXPORT(web_dataset_size) int web_dataset_size(const nnet_dataset *data) { return data->inputs.rows; }

// A fresh 784-hidden-10 network (ReLU, softmax), Kaiming weights from seed.
WEB_EXPORT(web_net_create) nnet *web_net_create(int hidden, int seed) {
    nnet_desc d = {0};
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = hidden; d.sizes[1] = 10; d.seed = (uint64_t)seed;
    return nnet_create(&d);
}

static int web_on_progress(const nnet_progress *p, void *user) {
    const nnet_epoch_stats *s = p->end_of_epoch;
    (void)user;
    return web_progress(p->epoch, p->epochs, p->batch, p->batches, p->loss, p->accuracy, p->seconds, s != NULL,
                        s ? s->validation_loss : 0.0, s ? s->validation_accuracy : 0.0);
}

// Random shifts of up to `shift` pixels (user_data), as examples/mnist's --shift.
static void web_shift(nnet_mat X, nnet_rng *rng, void *user) { nnet_augment_shift(X, 28, 28, *(int *)user, rng); }

// Train net on train, reporting on test after each epoch: Adam, a cosine
// schedule, batches of `batch`, random shifts of up to `shift` pixels: the
// settings the Makefile gives examples/mnist for the model the page ships.
WEB_EXPORT(web_train) int web_train(nnet *net, const nnet_dataset *train, const nnet_dataset *test,
                                    int epochs, float learning_rate, int batch, int shift, int seed) {
    nnet_train_desc t = {0};
    t.epochs = epochs; t.learning_rate = learning_rate; t.batch_size = batch; t.optimizer = NNET_ADAM;
    t.schedule = NNET_SCHEDULE_COSINE; t.seed = (uint64_t)seed; t.progress = web_on_progress;
    if (shift > 0) { t.augment = web_shift; t.user_data = &shift; }
    return nnet_train(net, train, test, &t, NULL, NULL);
}

// Loss and accuracy of net on data, into results[0] and results[1].
WEB_EXPORT(web_evaluate) int web_evaluate(const nnet *net, const nnet_dataset *data, double *results) {
    return nnet_evaluate(net, data, &results[0], &results[1]);
}
