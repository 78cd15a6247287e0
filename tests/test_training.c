/* tests/test_training.c - training as a whole: determinism, learning XOR,
   divergence, the progress callback, the last smaller batch, learning-rate
   schedules, the SGD step, evaluation, and every error path of sections 7-10
   (each failure returns its status with a message naming the bad value). */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

// A constructor failed (NULL) and the message mentions `needle`.
#define CHECK_NULL_ERROR(call, needle) do { const void *p_ = (const void *)(call); CHECK(p_ == NULL); \
    if (!strstr(nnet_error(), (needle))) { test_current_failures++; \
    printf("  %s:%d: message \"%s\" does not mention \"%s\"\n", __FILE__, __LINE__, nnet_error(), (needle)); } } while (0)

// N samples in `classes` Gaussian blobs around random centres.
static nnet_dataset *make_blobs(int N, int features, int classes, uint64_t seed) {
    nnet_dataset *data = nnet_dataset_create(N, features, classes);
    float centres[8][16];
    nnet_rng rng;
    int i, j;
    if (!data) return NULL;
    nnet_rng_seed(&rng, seed);
    for (i = 0; i < classes; i++)
        for (j = 0; j < features; j++) centres[i][j] = 2.0f * nnet_rng_normal(&rng);
    for (i = 0; i < N; i++) {
        int c = i % classes;
        data->labels[i] = c;
        for (j = 0; j < features; j++) NNET_AT(data->inputs, i, j) = centres[c][j] + nnet_rng_normal(&rng);
    }
    return data;
}

static int all_finite(const float *x, size_t n) {
    size_t k;
    for (k = 0; k < n; k++) if (!isfinite(x[k])) return 0;
    return 1;
}

static nnet *blob_net(uint64_t seed, float dropout) {
    nnet_desc d;
    memset(&d, 0, sizeof d);
    d.n_inputs = 10; d.n_layers = 3; d.sizes[0] = 16; d.sizes[1] = 12; d.sizes[2] = 3;
    d.dropout[0] = dropout; d.dropout[1] = dropout; d.seed = seed;
    return nnet_create(&d);
}

// ---- Determinism ----------------------------------------------------------------
static void same_seed_same_weights(void) {
    nnet_dataset *data = make_blobs(300, 10, 3, 1);
    nnet *a = blob_net(3, 0.3f), *b = blob_net(3, 0.3f), *c = blob_net(3, 0.3f), *e = blob_net(4, 0.3f);
    nnet_train_desc t;
    nnet_epoch_stats ha[3], hb[3];
    CHECK(data && a && b && c && e);
    if (!data || !a || !b || !c || !e) return;
    memset(&t, 0, sizeof t);
    t.epochs = 3; t.batch_size = 16; t.learning_rate = 0.05f; t.momentum = 0.9f; t.seed = 77;
    t.l2 = 1e-4f; t.schedule = NNET_SCHEDULE_COSINE;     // shuffling and dropout on
    CHECK(memcmp(a->parameters, e->parameters, a->n_parameters * sizeof(float)) != 0);   // init seed matters
    CHECK_STATUS(nnet_train(a, data, data, &t, ha, NULL), NNET_OK);
    CHECK_STATUS(nnet_train(b, data, data, &t, hb, NULL), NNET_OK);
    CHECK(memcmp(a->parameters, b->parameters, a->n_parameters * sizeof(float)) == 0);
    CHECK(ha[2].train_loss == hb[2].train_loss && ha[2].validation_accuracy == hb[2].validation_accuracy);
    t.seed = 78;   // another training seed: other shuffles and masks
    CHECK_STATUS(nnet_train(c, data, data, &t, NULL, NULL), NNET_OK);
    CHECK(memcmp(a->parameters, c->parameters, a->n_parameters * sizeof(float)) != 0);
    CHECK(ha[2].validation_accuracy > 0.9);
    // threads never change results (STYLE.md 24)
    nnet_free(b); b = blob_net(3, 0.3f);
    t.seed = 77; t.threads = 2;
    CHECK(b != NULL);
    if (b) {
        CHECK_STATUS(nnet_train(b, data, data, &t, NULL, NULL), NNET_OK);
        CHECK(memcmp(a->parameters, b->parameters, a->n_parameters * sizeof(float)) == 0);
    }
    // shuffling and dropout really act: switching either off changes the result
    nnet_free(c); c = blob_net(3, 0.3f);
    t.threads = 0; t.no_shuffle = 1;
    CHECK(c != NULL);
    if (c) {
        CHECK_STATUS(nnet_train(c, data, data, &t, NULL, NULL), NNET_OK);
        CHECK(memcmp(a->parameters, c->parameters, a->n_parameters * sizeof(float)) != 0);
    }
    nnet_free(c); c = blob_net(3, 0.0f);
    t.no_shuffle = 0;
    CHECK(c != NULL);
    if (c) {
        CHECK_STATUS(nnet_train(c, data, data, &t, NULL, NULL), NNET_OK);
        CHECK(memcmp(a->parameters, c->parameters, a->n_parameters * sizeof(float)) != 0);
    }
    nnet_free(a); nnet_free(b); nnet_free(c); nnet_free(e);
    nnet_dataset_free(data);
}

// ---- Learning ---------------------------------------------------------------------
static void learns_xor(void) {
    nnet_dataset *data = nnet_dataset_create(4, 2, 2);
    int outputs, i, predicted[4];
    CHECK(data != NULL);
    if (!data) return;
    for (i = 0; i < 4; i++) {
        NNET_AT(data->inputs, i, 0) = (float)(i & 1);
        NNET_AT(data->inputs, i, 1) = (float)(i >> 1);
        data->labels[i] = (i & 1) ^ (i >> 1);
    }
    for (outputs = 1; outputs <= 2; outputs++) {   // 2-8-1 tanh/sigmoid, then 2-8-2 tanh/softmax
        nnet_desc d;
        nnet_train_desc t;
        nnet *net;
        double loss, accuracy;
        memset(&d, 0, sizeof d);
        d.n_inputs = 2; d.n_layers = 2; d.sizes[0] = 8; d.sizes[1] = outputs;
        d.activations[0] = NNET_ACT_TANH; d.seed = 1;
        net = nnet_create(&d);
        CHECK(net != NULL);
        if (!net) break;
        CHECK(net->layers[1].activation == (outputs == 1 ? NNET_ACT_SIGMOID : NNET_ACT_SOFTMAX));
        CHECK(net->loss == (outputs == 1 ? NNET_LOSS_BINARY_CROSS_ENTROPY : NNET_LOSS_CROSS_ENTROPY));
        memset(&t, 0, sizeof t);
        t.epochs = 500; t.batch_size = 4; t.learning_rate = 0.5f; t.momentum = 0.9f;
        CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK_STATUS(nnet_predict_classes(net, data->inputs, predicted), NNET_OK);
        for (i = 0; i < 4; i++) CHECK(predicted[i] == data->labels[i]);
        CHECK_STATUS(nnet_evaluate(net, data, &loss, &accuracy), NNET_OK);
        printf("  XOR 2-8-%d: accuracy %.0f%%, loss %.4f\n", outputs, 100 * accuracy, loss);
        CHECK(accuracy == 1.0 && loss < 0.1);
        nnet_free(net);
    }
    nnet_dataset_free(data);
}

// ---- Divergence --------------------------------------------------------------------
typedef struct watch { int epoch, batch, end_of_epoch, calls; float *snapshot; const nnet *net; } watch;

static int watch_progress(const nnet_progress *p, void *user) {
    watch *w = (watch *)user;
    w->epoch = p->epoch; w->batch = p->batch; w->end_of_epoch = p->end_of_epoch != NULL; w->calls++;
    if (p->end_of_epoch) memcpy(w->snapshot, w->net->parameters, w->net->n_parameters * sizeof(float));
    return 0;
}

static void divergence_stops_with_finite_weights(void) {
    nnet_dataset *data = make_blobs(64, 10, 3, 2);
    nnet_desc d;
    nnet_train_desc t;
    nnet *net;
    watch w;
    char expected[64];
    int epochs_run = -1, status;
    memset(&d, 0, sizeof d);
    d.n_inputs = 10; d.n_layers = 2; d.sizes[0] = 8; d.sizes[1] = 3;
    d.activations[1] = NNET_ACT_IDENTITY; d.loss = NNET_LOSS_MSE;
    net = nnet_create(&d);
    CHECK(data && net);
    if (!data || !net) return;
    memset(&w, 0, sizeof w);
    w.net = net;
    w.snapshot = (float *)malloc(net->n_parameters * sizeof(float));
    memcpy(w.snapshot, net->parameters, net->n_parameters * sizeof(float));
    memset(&t, 0, sizeof t);
    t.epochs = 50; t.batch_size = 8; t.learning_rate = 1e6f;
    t.progress = watch_progress; t.user_data = &w;
    status = nnet_train(net, data, NULL, &t, NULL, &epochs_run);
    CHECK_STATUS(status, NNET_ERR_DIVERGED);
    // the failing batch is the one after the last reported one
    if (w.calls == 0) snprintf(expected, sizeof expected, "epoch 1, batch 1 of 8");
    else if (w.end_of_epoch) snprintf(expected, sizeof expected, "epoch %d, batch 1 of 8", w.epoch + 1);
    else snprintf(expected, sizeof expected, "epoch %d, batch %d of 8", w.epoch, w.batch + 1);
    CHECK(strstr(nnet_error(), expected) != NULL);
    printf("  lr 1e6: \"%s\"\n", nnet_error());
    CHECK(epochs_run == (w.end_of_epoch ? w.epoch : w.epoch - 1) || (w.calls == 0 && epochs_run == 0));
    CHECK(all_finite(net->parameters, net->n_parameters));
    // "the network keeps the weights of epoch N" (or of before training): those of the last end of epoch
    CHECK(memcmp(w.snapshot, net->parameters, net->n_parameters * sizeof(float)) == 0);
    CHECK(strstr(nnet_error(), epochs_run ? "keeps the weights of epoch" : "keeps the weights it had before training") != NULL);
    CHECK(net->epoch == epochs_run && net->optimizer.steps == 0 && all_finite(net->optimizer.first_moment, net->n_parameters));
    free(w.snapshot);
    nnet_free(net);
    nnet_dataset_free(data);
}

// nnet_train steps the weights in place and leaves the gradients zero; a
// step that overflows (finite loss, infinite weights) puts back the weights
// of the last completed epoch.
static void weights_stay_in_place(void) {
    nnet_dataset *data = make_blobs(40, 10, 3, 4);
    int batches;
    for (batches = 1; batches <= 2; batches++) {
        nnet *net = blob_net(3, 0.0f);
        nnet_train_desc t;
        float *weights, *bias, *before;
        CHECK(data && net);
        if (!data || !net) break;
        weights = net->layers[0].weight.data; bias = net->layers[1].bias;
        before = (float *)malloc(net->n_parameters * sizeof(float));
        memcpy(before, net->parameters, net->n_parameters * sizeof(float));
        memset(&t, 0, sizeof t);
        t.epochs = 3; t.batch_size = batches == 1 ? 40 : 20; t.learning_rate = 0.1f;   // 3 or 6 steps
        CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK(net->parameters == weights && net->layers[0].weight.data == weights && net->layers[1].bias == bias);
        CHECK(memcmp(before, net->parameters, net->n_parameters * sizeof(float)) != 0);   // trained, in place
        { size_t k; int zero = 1; for (k = 0; k < net->n_parameters; k++) zero &= net->gradients[k] == 0.0f; CHECK(zero); }
        // inputs and a learning rate so large that the first step of a new
        // network overflows while the loss is finite
        nnet_free(net);
        net = blob_net(3, 0.0f);
        CHECK(net != NULL);
        if (!net) { free(before); break; }
        weights = net->layers[0].weight.data;
        memcpy(before, net->parameters, net->n_parameters * sizeof(float));
        nnet_normalize_divide(data->inputs, 1e-6f);
        t.learning_rate = 3e38f;
        CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_DIVERGED,
                    "the step of epoch 1, batch 1 of");
        CHECK(net->parameters == weights && memcmp(before, net->parameters, net->n_parameters * sizeof(float)) == 0);
        nnet_normalize_divide(data->inputs, 1e6f);
        free(before);
        nnet_free(net);
    }
    nnet_dataset_free(data);
}

// ---- Dropout ----------------------------------------------------------------------------
// Inverted dropout: while training each hidden output is kept with
// probability 1 - p and scaled by 1/(1-p); inference applies no mask.
static void dropout_is_inverted(void) {
    nnet_desc d;
    nnet *net;
    nnet_rng rng;
    float x[8 * 4];
    int i, zeros = 0, scaled = 0, n = 8 * 500, other = 0;
    double train_sum = 0.0, eval_sum = 0.0;
    memset(&d, 0, sizeof d);
    d.n_inputs = 4; d.n_layers = 2; d.sizes[0] = 500; d.sizes[1] = 2; d.dropout[0] = 0.4f;
    d.activations[0] = NNET_ACT_SIGMOID;   // every unit is positive before the mask
    net = nnet_create(&d);
    CHECK(net != NULL);
    if (!net) return;
    nnet_rng_seed(&rng, 1);
    for (i = 0; i < 32; i++) x[i] = nnet_rng_normal(&rng);
    CHECK_STATUS(nnet_forward(net, nnet_mat_view(8, 4, x), 1, &rng), NNET_OK);
    for (i = 0; i < n; i++) {
        float m = net->layers[0].mask.data[i], y = net->layers[0].output.data[i], a = net->layers[0].activated.data[i];
        zeros += m == 0.0f;
        scaled += m == 1.0f / 0.6f;
        other += !(y == a * m);
        train_sum += y;
    }
    CHECK(zeros + scaled == n && other == 0);
    CHECK_NEAR((double)zeros / n, 0.4, 0.03);
    CHECK_STATUS(nnet_forward(net, nnet_mat_view(8, 4, x), 0, NULL), NNET_OK);
    for (i = 0; i < n; i++) eval_sum += net->layers[0].output.data[i];
    CHECK_NEAR(train_sum / eval_sum, 1.0, 0.05);   // the expected output is unchanged
    nnet_free(net);
}

// ---- The SGD step ---------------------------------------------------------------------
static void sgd_step_formulas(void) {
    nnet_desc d;
    nnet *net;
    nnet_train_desc t;
    float w0[3], g[3] = {0.5f, -1.0f, 2.0f};
    int nesterov, k;
    memset(&t, 0, sizeof t);
    t.momentum = 0.9f;
    memset(&d, 0, sizeof d);
    d.n_inputs = 2; d.n_layers = 1; d.sizes[0] = 1; d.activations[0] = NNET_ACT_IDENTITY;
    net = nnet_create(&d);
    CHECK(net != NULL && net->n_parameters == 3);
    if (!net) return;
    for (nesterov = 0; nesterov < 2; nesterov++) {
        memset(net->optimizer.first_moment, 0, sizeof(float) * 3);
        memcpy(w0, net->parameters, sizeof w0);
        memcpy(net->gradients, g, sizeof g);
        t.nesterov = nesterov;
        CHECK_STATUS(nnet_optimizer_step(net, &t, 0.1f), NNET_OK);   // v = g
        CHECK_STATUS(nnet_optimizer_step(net, &t, 0.1f), NNET_OK);   // v = 1.9 g
        for (k = 0; k < 3; k++) {
            // classic: w -= lr g, then lr 1.9 g;  Nesterov: w -= lr (g + 0.9 g), then lr (g + 0.9 * 1.9 g)
            double step = nesterov ? 0.1 * (1.9 + 2.71) * g[k] : 0.1 * 2.9 * g[k];
            CHECK_NEAR(net->parameters[k], w0[k] - step, 1e-5);
            CHECK_NEAR(net->optimizer.first_moment[k], 1.9 * g[k], 1e-6);
        }
    }
    // a step that overflows says so (nnet_train then puts back the weights it saved)
    net->gradients[1] = 3e38f;
    t.momentum = 0.0f; t.nesterov = 0;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 1e6f), NNET_ERR_DIVERGED, "NaN or infinite");
    CHECK_ERROR(nnet_optimizer_step(net, &t, -1.0f), NNET_ERR_ARGUMENT, "learning rate -1");
    CHECK_ERROR(nnet_optimizer_step(net, &t, NAN), NNET_ERR_ARGUMENT, "learning rate nan");
    t.momentum = 1.0f;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 0.1f), NNET_ERR_ARGUMENT, "momentum is 1");
    t.momentum = 0.0f; t.nesterov = 1;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 0.1f), NNET_ERR_ARGUMENT, "nesterov needs SGD with momentum");
    t.nesterov = 0; t.weight_decay = 0.1f;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 0.1f), NNET_ERR_ARGUMENT, "weight_decay is AdamW's");
    t.weight_decay = 0.0f; t.optimizer = NNET_ADAM; t.beta1 = 1.0f;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 0.1f), NNET_ERR_ARGUMENT, "beta1 1");
    t.beta1 = 0.0f; t.eps = -1.0f;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 0.1f), NNET_ERR_ARGUMENT, "eps is -1");
    t.eps = 0.0f; t.optimizer = (nnet_optimizer_kind)5;
    CHECK_ERROR(nnet_optimizer_step(net, &t, 0.1f), NNET_ERR_ARGUMENT, "optimizer is 5");
    CHECK_ERROR(nnet_optimizer_step(NULL, &t, 0.1f), NNET_ERR_ARGUMENT, "net is NULL");
    CHECK_ERROR(nnet_optimizer_step(net, NULL, 0.1f), NNET_ERR_ARGUMENT, "desc is NULL");
    nnet_free(net);
}

// ---- Progress callback ---------------------------------------------------------------
typedef struct calls {
    int n, batch_calls, epoch_calls, stop_epoch, stop_batch, order_ok, batches;
    double last_batch_loss, epoch_loss_mismatch;
} calls;

static int count_progress(const nnet_progress *p, void *user) {
    calls *c = (calls *)user;
    c->n++;
    c->batches = p->batches;
    if (p->end_of_epoch) {
        c->epoch_calls++;
        c->order_ok &= p->end_of_epoch->epoch == p->epoch && p->batch == p->batches && p->epoch <= p->epochs;
        c->epoch_loss_mismatch += fabs(p->end_of_epoch->train_loss - c->last_batch_loss);
        return p->epoch == c->stop_epoch && c->stop_batch == 0;
    }
    c->batch_calls++;
    c->order_ok &= p->batch == (c->batch_calls - 1) % p->batches + 1 &&
                   isfinite(p->loss) && p->accuracy >= 0 && p->accuracy <= 1 && p->seconds >= 0 && p->learning_rate > 0;
    c->last_batch_loss = p->loss;
    return p->epoch == c->stop_epoch && p->batch == c->stop_batch;
}

static void progress_callback_and_early_stop(void) {
    nnet_dataset *data = make_blobs(10, 10, 3, 3);
    nnet *net = blob_net(1, 0.0f);
    nnet_train_desc t;
    nnet_epoch_stats history[3];
    calls c;
    int epochs_run;
    CHECK(data && net);
    if (!data || !net) return;
    memset(&t, 0, sizeof t);
    t.epochs = 3; t.batch_size = 4; t.learning_rate = 0.01f; t.progress = count_progress; t.user_data = &c;
    // N = 10, batch 4: batches of 4, 4 and 2, then the end of the epoch
    memset(&c, 0, sizeof c); c.order_ok = 1;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, history, &epochs_run), NNET_OK);
    CHECK(c.batches == 3 && c.batch_calls == 9 && c.epoch_calls == 3 && c.n == 12 && epochs_run == 3);
    CHECK(c.order_ok && c.epoch_loss_mismatch < 1e-12);
    CHECK(history[2].epoch == 3 && isnan(history[2].validation_loss) && history[2].seconds >= 0);
    // stop after the first batch of epoch 2 (a fresh start: epochs count over calls)
    nnet_training_reset(net);
    memset(&c, 0, sizeof c); c.order_ok = 1; c.stop_epoch = 2; c.stop_batch = 1;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, &epochs_run), NNET_OK);
    CHECK(c.n == 5 && epochs_run == 1 && net->epoch == 1);   // the stopped epoch is not counted
    // stop at the end of epoch 2: one more epoch of this call
    memset(&c, 0, sizeof c); c.order_ok = 1; c.stop_epoch = 2; c.stop_batch = 0;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, history, &epochs_run), NNET_OK);
    CHECK(c.n == 4 && epochs_run == 1 && history[0].epoch == 2 && net->epoch == 2);
    nnet_free(net);
    nnet_dataset_free(data);
}

// nnet_train with no shuffle and no dropout is exactly this loop, last
// smaller batch included: the weights match bit for bit.
static void last_smaller_batch_is_trained(void) {
    nnet_dataset *data = make_blobs(10, 10, 3, 4);
    nnet *trained = blob_net(5, 0.0f), *replay = blob_net(5, 0.0f), *partial = blob_net(5, 0.0f);
    nnet_train_desc t;
    nnet_rng rng;
    nnet_mat T = nnet_dataset_one_hot(data);
    int b, epoch;
    CHECK(data && trained && replay && partial && T.data);
    if (!data || !trained || !replay || !partial) return;
    memset(&t, 0, sizeof t);
    t.epochs = 2; t.batch_size = 4; t.learning_rate = 0.1f; t.momentum = 0.5f; t.l2 = 0.01f; t.no_shuffle = 1;
    t.schedule = NNET_SCHEDULE_EXPONENTIAL; t.schedule_gamma = 0.5f;
    CHECK_STATUS(nnet_train(trained, data, NULL, &t, NULL, NULL), NNET_OK);
    nnet_rng_seed(&rng, 0);
    for (epoch = 0; epoch < 2; epoch++)
        for (b = 0; b < 3; b++) {
            int rows = b < 2 ? 4 : 2, k;
            nnet_mat X = nnet_mat_view(rows, 10, &NNET_AT(data->inputs, 4 * b, 0));
            for (k = 0; k < 2; k++) {
                nnet *net = k ? partial : replay;
                if (k && b == 2) continue;   // `partial` skips the last batch of 2
                CHECK_STATUS(nnet_forward(net, X, 1, &rng), NNET_OK);
                nnet_zero_grad(net);
                CHECK_STATUS(nnet_backward(net, X, nnet_mat_view(rows, 3, &NNET_AT(T, 4 * b, 0)), t.l2), NNET_OK);
                CHECK_STATUS(nnet_optimizer_step(net, &t, nnet_learning_rate(&t, epoch)), NNET_OK);
            }
        }
    CHECK(memcmp(trained->parameters, replay->parameters, trained->n_parameters * sizeof(float)) == 0);
    CHECK(memcmp(trained->parameters, partial->parameters, trained->n_parameters * sizeof(float)) != 0);
    nnet_mat_free(&T);
    nnet_free(trained); nnet_free(replay); nnet_free(partial);
    nnet_dataset_free(data);
}

// ---- Schedules ----------------------------------------------------------------------
static void learning_rate_schedules(void) {
    nnet_train_desc t;
    nnet_dataset *data = make_blobs(20, 10, 3, 5);
    nnet *net = blob_net(2, 0.0f);
    nnet_epoch_stats history[6];
    int e;
    memset(&t, 0, sizeof t);
    t.learning_rate = 0.1f; t.epochs = 9;
    for (e = 0; e < 9; e++) CHECK_NEAR(nnet_learning_rate(&t, e), 0.1, 1e-8);
    t.schedule = NNET_SCHEDULE_STEP;   // defaults: gamma 0.1, step epochs / 3 = 3
    CHECK_NEAR(nnet_learning_rate(&t, 2), 0.1, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 3), 0.01, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 8), 0.001, 1e-9);
    t.schedule_gamma = 0.5f; t.schedule_step = 2;
    CHECK_NEAR(nnet_learning_rate(&t, 1), 0.1, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 2), 0.05, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 5), 0.025, 1e-8);
    t.epochs = 2; t.schedule_step = 0;   // step max(1, 2 / 3) = 1
    CHECK_NEAR(nnet_learning_rate(&t, 1), 0.05, 1e-8);
    t.schedule = NNET_SCHEDULE_EXPONENTIAL; t.schedule_gamma = 0.0f;   // default 0.95
    CHECK_NEAR(nnet_learning_rate(&t, 0), 0.1, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 4), 0.1 * pow(0.95, 4), 1e-8);
    t.schedule_gamma = 0.5f;
    CHECK_NEAR(nnet_learning_rate(&t, 3), 0.0125, 1e-8);
    t.schedule = NNET_SCHEDULE_COSINE; t.epochs = 10; t.min_learning_rate = 0.01f;
    CHECK_NEAR(nnet_learning_rate(&t, 0), 0.1, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 5), 0.055, 1e-8);
    CHECK_NEAR(nnet_learning_rate(&t, 2), 0.01 + 0.045 * (1 + cos(3.141592653589793 / 5)), 1e-8);
    CHECK(nnet_learning_rate(&t, 9) > 0.01f);               // the last epoch still learns ...
    CHECK_NEAR(nnet_learning_rate(&t, 10), 0.01, 1e-8);   // ... and the floor comes one epoch after it
    CHECK_NEAR(nnet_learning_rate(&t, 12), 0.01, 1e-8);
    t.schedule_epochs = 20;                                 // the horizon, when given, overrides epochs
    CHECK_NEAR(nnet_learning_rate(&t, 10), 0.055, 1e-8);
    t.schedule_epochs = 0;
    // nnet_train uses the schedule: the history records each epoch's rate
    CHECK(data && net);
    if (!data || !net) return;
    t.epochs = 6; t.schedule = NNET_SCHEDULE_STEP; t.schedule_gamma = 0.5f; t.schedule_step = 2;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, history, NULL), NNET_OK);
    for (e = 0; e < 6; e++) CHECK(history[e].learning_rate == nnet_learning_rate(&t, e));
    CHECK_NEAR(history[4].learning_rate, 0.025, 1e-8);
    nnet_free(net);
    nnet_dataset_free(data);
}

// ---- Inference ----------------------------------------------------------------------
static void predict_and_evaluate_agree(void) {
    nnet_dataset *data = make_blobs(600, 10, 3, 6);   // more than one 256-row chunk
    nnet *net = blob_net(8, 0.0f);
    nnet_mat P;
    int *classes = (int *)malloc(600 * sizeof(int)), *argmax = (int *)malloc(600 * sizeof(int)), i, correct = 0;
    double loss, accuracy, direct;
    CHECK(data && net && classes && argmax);
    if (!data || !net || !classes || !argmax) return;
    P = nnet_mat_create(600, 3);
    CHECK_STATUS(nnet_predict(net, data->inputs, P), NNET_OK);
    CHECK_STATUS(nnet_predict_classes(net, data->inputs, classes), NNET_OK);
    nnet_argmax_rows(argmax, P);
    for (i = 0; i < 600; i++) { CHECK(classes[i] == argmax[i]); correct += classes[i] == data->labels[i]; }
    CHECK_STATUS(nnet_evaluate(net, data, &loss, &accuracy), NNET_OK);
    CHECK_NEAR(accuracy, correct / 600.0, 1e-12);
    CHECK_NEAR(nnet_accuracy(data->labels, classes, 600), accuracy, 1e-12);
    // the same loss as one forward pass over everything
    CHECK_STATUS(nnet_forward(net, data->inputs, 0, NULL), NNET_OK);
    {
        nnet_mat T = nnet_dataset_one_hot(data);
        CHECK_STATUS(nnet_loss_value(net, T, 0.0f, &direct), NNET_OK);
        nnet_mat_free(&T);
    }
    CHECK_NEAR(loss, direct, 1e-5);
    for (i = 0; i < 600 * 3; i++) CHECK_NEAR(P.data[i], nnet_output(net).data[i], 1e-6);
    nnet_mat_free(&P);
    free(classes); free(argmax);
    nnet_free(net);
    nnet_dataset_free(data);
}

// ---- Error paths ----------------------------------------------------------------------
static void create_errors(void) {
    nnet_desc d, good;
    memset(&good, 0, sizeof good);
    good.n_inputs = 4; good.n_layers = 2; good.sizes[0] = 5; good.sizes[1] = 3;
    CHECK_NULL_ERROR(nnet_create(NULL), "desc is NULL");
    d = good; d.n_layers = 0;                  CHECK_NULL_ERROR(nnet_create(&d), "n_layers is 0");
    d = good; d.n_layers = NNET_MAX_LAYERS + 1; CHECK_NULL_ERROR(nnet_create(&d), "n_layers is 17");
    d = good; d.n_inputs = 0;                  CHECK_NULL_ERROR(nnet_create(&d), "n_inputs is 0");
    d = good; d.n_inputs = -3;                 CHECK_NULL_ERROR(nnet_create(&d), "n_inputs is -3");
    d = good; d.sizes[1] = 0;                  CHECK_NULL_ERROR(nnet_create(&d), "sizes[1] is 0");
    d = good; d.sizes[0] = NNET_MAX_DIM + 1;   CHECK_NULL_ERROR(nnet_create(&d), "sizes[0] is 16777217");
    d = good; d.activations[0] = (nnet_activation)99; CHECK_NULL_ERROR(nnet_create(&d), "activations[0] is 99");
    d = good; d.dropout[0] = 1.0f;             CHECK_NULL_ERROR(nnet_create(&d), "dropout[0] is 1,");
    d = good; d.dropout[0] = -0.25f;           CHECK_NULL_ERROR(nnet_create(&d), "dropout[0] is -0.25");
    d = good; d.dropout[0] = NAN;              CHECK_NULL_ERROR(nnet_create(&d), "dropout[0] is nan");
    d = good; d.dropout[1] = 0.5f;             CHECK_NULL_ERROR(nnet_create(&d), "dropout[1] (the output layer) is 0.5");
    d = good; d.activations[0] = NNET_ACT_SOFTMAX; CHECK_NULL_ERROR(nnet_create(&d), "softmax on hidden layer 0");
    d = good; d.leaky_slope = 1.5f;            CHECK_NULL_ERROR(nnet_create(&d), "leaky_slope is 1.5");
    d = good; d.loss = (nnet_loss)9;           CHECK_NULL_ERROR(nnet_create(&d), "loss 9");
    d = good; d.init = (nnet_init)12;          CHECK_NULL_ERROR(nnet_create(&d), "init 12");
    d = good; d.init_scale = -1.0f;            CHECK_NULL_ERROR(nnet_create(&d), "init_scale is -1");
    // the loss must match the output activation (these fail after allocating: ASan checks the cleanup)
    d = good; d.loss = NNET_LOSS_CROSS_ENTROPY; d.activations[1] = NNET_ACT_SIGMOID;
    CHECK_NULL_ERROR(nnet_create(&d), "loss ce needs a softmax output layer, found sigmoid");
    d = good; d.loss = NNET_LOSS_CROSS_ENTROPY; d.activations[1] = NNET_ACT_IDENTITY;
    CHECK_NULL_ERROR(nnet_create(&d), "found identity");
    d = good; d.loss = NNET_LOSS_BINARY_CROSS_ENTROPY; d.activations[1] = NNET_ACT_SOFTMAX;
    CHECK_NULL_ERROR(nnet_create(&d), "loss bce needs a sigmoid output layer, found softmax");
    {   // the default output activation follows the loss
        static const nnet_loss losses[6] = {NNET_LOSS_DEFAULT, NNET_LOSS_CROSS_ENTROPY, NNET_LOSS_BINARY_CROSS_ENTROPY,
                                            NNET_LOSS_MSE, NNET_LOSS_MAE, NNET_LOSS_HUBER};
        static const nnet_activation outputs[6] = {NNET_ACT_SOFTMAX, NNET_ACT_SOFTMAX, NNET_ACT_SIGMOID,
                                                   NNET_ACT_IDENTITY, NNET_ACT_IDENTITY, NNET_ACT_IDENTITY};
        int i;
        for (i = 0; i < 6; i++) {
            nnet *net;
            d = good; d.loss = losses[i];
            net = nnet_create(&d);
            CHECK(net && net->layers[1].activation == outputs[i] && net->loss == (i ? losses[i] : NNET_LOSS_CROSS_ENTROPY));
            nnet_free(net);
        }
        d = good; d.sizes[1] = 1;   // one output, loss default: sigmoid and BCE
        { nnet *net = nnet_create(&d); CHECK(net && net->layers[1].activation == NNET_ACT_SIGMOID &&
                                              net->loss == NNET_LOSS_BINARY_CROSS_ENTROPY); nnet_free(net); }
    }
    nnet_free(NULL);
    CHECK_NULL_ERROR(nnet_dataset_create(0, 4, 2), "0 samples");
    CHECK_NULL_ERROR(nnet_dataset_create(5, 4, 0), "0 classes");
    nnet_dataset_free(NULL);
    d = good; d.n_layers = NNET_MAX_LAYERS;    // the largest allowed depth works
    { int l; for (l = 0; l < NNET_MAX_LAYERS; l++) d.sizes[l] = 3; }
    { nnet *deep = nnet_create(&d); CHECK(deep != NULL); nnet_free(deep); }
}

static void forward_backward_predict_errors(void) {
    nnet_desc d;
    nnet *net;
    float x[4 * 5] = {0}, p[4 * 3], t[4 * 3] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0};
    int classes[4], labels[4] = {0, 1, 2, 1}, bad_labels[4] = {0, 7, 2, 1};
    double loss, accuracy;
    nnet_mat X = nnet_mat_view(4, 5, x), T = nnet_mat_view(4, 3, t);
    nnet_dataset *data = nnet_dataset_create(4, 3, 3);
    nnet_rng rng;
    memset(&d, 0, sizeof d);
    d.n_inputs = 5; d.n_layers = 2; d.sizes[0] = 6; d.sizes[1] = 3; d.dropout[0] = 0.5f;
    net = nnet_create(&d);
    CHECK(net && data);
    if (!net || !data) return;
    nnet_rng_seed(&rng, 1);
    CHECK_ERROR(nnet_backward(net, X, T, 0.0f), NNET_ERR_ARGUMENT, "expected the 0x5 batch");
    CHECK_ERROR(nnet_loss_value(net, T, 0.0f, &loss), NNET_ERR_ARGUMENT, "no forward pass yet");
    CHECK_ERROR(nnet_forward(net, X, 1, NULL), NNET_ERR_ARGUMENT, "no training pass has drawn masks yet");
    CHECK_ERROR(nnet_forward(NULL, X, 0, NULL), NNET_ERR_ARGUMENT, "net is NULL");
    CHECK_ERROR(nnet_forward(net, nnet_mat_view(4, 5, NULL), 0, NULL), NNET_ERR_ARGUMENT, "X.data is NULL");
    CHECK_ERROR(nnet_forward(net, nnet_mat_view(4, 4, x), 0, NULL), NNET_ERR_ARGUMENT, "X is 4x4, expected B x 5");
    CHECK_ERROR(nnet_forward(net, nnet_mat_view(0, 5, x), 0, NULL), NNET_ERR_ARGUMENT, "X is 0x5");
    CHECK_STATUS(nnet_forward(net, X, 0, NULL), NNET_OK);
    // an inference pass draws no masks, so there are none to reuse yet (before, all-zero masks were used)
    CHECK_ERROR(nnet_forward(net, X, 1, NULL), NNET_ERR_ARGUMENT, "no training pass has drawn masks yet");
    CHECK_STATUS(nnet_forward(net, X, 1, &rng), NNET_OK);
    CHECK_STATUS(nnet_forward(net, X, 0, NULL), NNET_OK);
    CHECK_STATUS(nnet_forward(net, X, 1, NULL), NNET_OK);   // the training pass's masks, kept through inference
    CHECK_ERROR(nnet_forward(net, nnet_mat_view(3, 5, x), 1, NULL), NNET_ERR_ARGUMENT, "another batch size");
    CHECK_ERROR(nnet_backward(net, nnet_mat_view(3, 5, x), T, 0.0f), NNET_ERR_ARGUMENT, "X is 3x5, expected the 4x5 batch");
    CHECK_ERROR(nnet_backward(NULL, X, T, 0.0f), NNET_ERR_ARGUMENT, "net is NULL");
    CHECK_ERROR(nnet_backward(net, nnet_mat_view(4, 5, NULL), T, 0.0f), NNET_ERR_ARGUMENT, "X.data is NULL");
    CHECK_ERROR(nnet_backward(net, X, T, -1.0f), NNET_ERR_ARGUMENT, "l2 is -1");
    CHECK_ERROR(nnet_backward(net, X, T, NAN), NNET_ERR_ARGUMENT, "l2 is nan");
    CHECK_ERROR(nnet_backward(net, X, T, INFINITY), NNET_ERR_ARGUMENT, "l2 is inf");
    CHECK_ERROR(nnet_backward(net, X, nnet_mat_view(4, 2, t), 0.0f), NNET_ERR_ARGUMENT, "T is 4x2");
    CHECK_ERROR(nnet_backward(net, X, nnet_mat_view(3, 3, t), 0.0f), NNET_ERR_ARGUMENT, "T is 3x3");
    CHECK_ERROR(nnet_backward(net, X, nnet_mat_view(4, 3, NULL), 0.0f), NNET_ERR_ARGUMENT, "with NULL data");
    CHECK_ERROR(nnet_loss_value(net, nnet_mat_view(4, 2, t), 0.0f, &loss), NNET_ERR_ARGUMENT, "expected the 4x3 targets");
    CHECK_ERROR(nnet_loss_value(net, T, -2.0f, &loss), NNET_ERR_ARGUMENT, "nnet_loss_value: l2 is -2");
    CHECK_ERROR(nnet_loss_value(net, T, 0.0f, NULL), NNET_ERR_ARGUMENT, "loss is NULL");
    CHECK_ERROR(nnet_loss_value(NULL, T, 0.0f, &loss), NNET_ERR_ARGUMENT, "net is NULL");
    CHECK_ERROR(nnet_labels_to_targets(T, bad_labels, 3), NNET_ERR_ARGUMENT, "labels[1] is 7");
    CHECK_ERROR(nnet_labels_to_targets(T, NULL, 3), NNET_ERR_ARGUMENT, "NULL labels");
    CHECK_ERROR(nnet_labels_to_targets(T, labels, 4), NNET_ERR_ARGUMENT, "4 classes do not fit 3 outputs");
    CHECK_ERROR(nnet_predict(net, X, nnet_mat_view(4, 2, p)), NNET_ERR_ARGUMENT, "P 4x2");
    CHECK_ERROR(nnet_predict(net, X, nnet_mat_view(3, 3, p)), NNET_ERR_ARGUMENT, "P 3x3");
    CHECK_ERROR(nnet_predict(net, nnet_mat_view(4, 3, x), nnet_mat_view(4, 3, p)), NNET_ERR_ARGUMENT, "X is 4x3");
    CHECK_ERROR(nnet_predict(net, X, nnet_mat_view(4, 3, NULL)), NNET_ERR_ARGUMENT, "NULL output");
    CHECK_ERROR(nnet_predict(NULL, X, nnet_mat_view(4, 3, p)), NNET_ERR_ARGUMENT, "NULL net");
    CHECK_ERROR(nnet_predict_classes(net, nnet_mat_view(4, 6, x), classes), NNET_ERR_ARGUMENT, "X is 4x6");
    CHECK_ERROR(nnet_predict_classes(net, X, NULL), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_predict_with(net, X, nnet_mat_view(4, 3, p), 2, p, 3), NNET_ERR_ARGUMENT, "scratch of 3 floats");
    CHECK_ERROR(nnet_predict_with(net, X, nnet_mat_view(4, 3, p), 0, p, 300), NNET_ERR_ARGUMENT, "chunks of 0 rows");
    CHECK(nnet_predict_scratch_floats(net, 2) == 2 * 2 * 6 + 2 * 3 && nnet_predict_scratch_floats(NULL, 2) == 0);
    CHECK_ERROR(nnet_evaluate(net, data, &loss, &accuracy), NNET_ERR_ARGUMENT, "the set has 3 features");
    CHECK_ERROR(nnet_evaluate(net, NULL, &loss, &accuracy), NNET_ERR_ARGUMENT, "NULL or empty");
    CHECK_ERROR(nnet_evaluate(net, data, NULL, &accuracy), NNET_ERR_ARGUMENT, "NULL loss");
    {   // a label out of range fails
        nnet_dataset *bad = nnet_dataset_create(4, 5, 3);
        CHECK(bad != NULL);
        if (bad) {
            bad->labels[2] = 9;
            CHECK_ERROR(nnet_evaluate(net, bad, &loss, &accuracy), NNET_ERR_ARGUMENT, "label 9 (sample 2)");
            nnet_dataset_free(bad);
        }
    }
    CHECK_ERROR(nnet_reserve(net, 0), NNET_ERR_ARGUMENT, "0 rows");
    CHECK_ERROR(nnet_reserve(NULL, 4), NNET_ERR_ARGUMENT, "net is NULL");
    nnet_zero_grad(NULL);
    nnet_free(net);
    nnet_dataset_free(data);
}

static void train_errors(void) {
    nnet_dataset *data = make_blobs(20, 10, 3, 7), *narrow = make_blobs(20, 4, 3, 7), *many = make_blobs(20, 10, 5, 7);
    nnet *net = blob_net(1, 0.0f);
    nnet_train_desc t, good;
    int epochs_run = -1;
    CHECK(data && narrow && many && net);
    if (!data || !narrow || !many || !net) return;
    memset(&good, 0, sizeof good);
    good.epochs = 1; good.learning_rate = 0.1f;
    CHECK_ERROR(nnet_train(NULL, data, NULL, &good, NULL, NULL), NNET_ERR_ARGUMENT, "net is NULL");
    CHECK_ERROR(nnet_train(net, NULL, NULL, &good, NULL, NULL), NNET_ERR_ARGUMENT, "train is NULL");
    CHECK_ERROR(nnet_train(net, data, NULL, NULL, NULL, NULL), NNET_ERR_ARGUMENT, "desc is NULL");
    t = good; t.epochs = 0;
    CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, &epochs_run), NNET_ERR_ARGUMENT, "epochs is 0");
    CHECK(epochs_run == 0);
    t = good; t.batch_size = -1;        CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "batch_size is -1");
    t = good; t.learning_rate = 0.0f;   CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "learning_rate is 0");
    t = good; t.learning_rate = -0.1f;  CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "learning_rate is -0.1");
    t = good; t.learning_rate = NAN;    CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "learning_rate is nan");
    t = good; t.learning_rate = INFINITY; CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "learning_rate is inf");
    t = good; t.momentum = 1.0f;        CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "momentum is 1,");
    t = good; t.momentum = -0.5f;       CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "momentum is -0.5");
    t = good; t.momentum = NAN;         CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "momentum is nan");
    t = good; t.l2 = -1.0f;             CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "l2 is -1");
    t = good; t.l2 = NAN;               CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "l2 is nan");
    t = good; t.schedule = (nnet_schedule)7; CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "schedule 7");
    t = good; t.min_learning_rate = 1.0f; CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "min_learning_rate 1");
    t = good; t.threads = -1;           CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "threads is -1");
    CHECK_ERROR(nnet_train(net, narrow, NULL, &good, NULL, NULL), NNET_ERR_ARGUMENT, "train set has 4 features");
    CHECK_ERROR(nnet_train(net, data, narrow, &good, NULL, NULL), NNET_ERR_ARGUMENT, "validation set has 4 features");
    CHECK_ERROR(nnet_train(net, many, NULL, &good, NULL, NULL), NNET_ERR_ARGUMENT, "train set has 5 classes");
    data->labels[2] = 3;
    CHECK_ERROR(nnet_train(net, data, NULL, &good, NULL, NULL), NNET_ERR_ARGUMENT, "label 3 (sample 2)");
    CHECK_ERROR(nnet_train(net, many, data, &good, NULL, NULL), NNET_ERR_ARGUMENT, "5 classes");
    data->labels[2] = -1;
    CHECK_ERROR(nnet_train(net, narrow, NULL, &good, NULL, NULL), NNET_ERR_ARGUMENT, "4 features");
    many->n_classes = 3;
    { int i; for (i = 0; i < 20; i++) many->labels[i] %= 3; }
    many->labels[4] = 4;
    CHECK_ERROR(nnet_train(net, many, data, &good, NULL, NULL), NNET_ERR_ARGUMENT, "train set label 4 (sample 4)");
    many->labels[4] = 1;
    CHECK_ERROR(nnet_train(net, many, data, &good, NULL, NULL), NNET_ERR_ARGUMENT, "validation set label -1 (sample 2)");
    nnet_free(net);
    nnet_dataset_free(data); nnet_dataset_free(narrow); nnet_dataset_free(many);
}

int main(void) {
    RUN(same_seed_same_weights);
    RUN(learns_xor);
    RUN(divergence_stops_with_finite_weights);
    RUN(weights_stay_in_place);
    RUN(dropout_is_inverted);
    RUN(sgd_step_formulas);
    RUN(progress_callback_and_early_stop);
    RUN(last_smaller_batch_is_trained);
    RUN(learning_rate_schedules);
    RUN(predict_and_evaluate_agree);
    RUN(create_errors);
    RUN(forward_backward_predict_errors);
    RUN(train_errors);
    return test_summary("test_training");
}
