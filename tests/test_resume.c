/* tests/test_resume.c - training that stops and goes on: two nnet_train
   calls equal one, bit for bit; a checkpoint saved after epoch k and loaded
   into a new network ends where an uninterrupted run ends; early stopping
   keeps the best epoch's weights; the gradients are zero when nnet_train
   returns. And targets other than class labels end to end: regression with
   MSE, MAE and Huber, several labels per sample with BCE, the regression
   metrics against figures computed by hand. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

// 3 classes of Gaussian blobs in 6 features.
static nnet_dataset *blobs(int N, uint64_t seed) {
    nnet_dataset *data = nnet_dataset_create(N, 6, 3);
    nnet_rng rng;
    int i, j;
    nnet_rng_seed(&rng, seed);
    for (i = 0; data && i < N; i++) {
        data->labels[i] = i % 3;
        for (j = 0; j < 6; j++) NNET_AT(data->inputs, i, j) = nnet_rng_normal(&rng) + (j % 3 == i % 3 ? 2.0f : 0.0f);
    }
    return data;
}

static nnet *small_net(float dropout) {
    nnet_desc d;
    memset(&d, 0, sizeof d);
    d.n_inputs = 6; d.n_layers = 3; d.sizes[0] = 12; d.sizes[1] = 9; d.sizes[2] = 3;
    d.dropout[0] = dropout; d.seed = 4;
    return nnet_create(&d);
}

static int same_weights(const nnet *a, const nnet *b) {
    return a->n_parameters == b->n_parameters && !memcmp(a->parameters, b->parameters, a->n_parameters * sizeof(float));
}

static void shift_inputs(nnet_mat X, nnet_rng *rng, void *user) {   // augmentation that draws from the stream
    int i;
    (void)user;
    for (i = 0; i < X.rows; i++) NNET_AT(X, i, 0) += 0.1f * nnet_rng_normal(rng);
}

// The settings of a run: every optimiser, with dropout, a schedule, warm-up,
// clipping and augmentation, all of which carry state across epochs.
static void settings(nnet_train_desc *t, int optimizer) {
    memset(t, 0, sizeof *t);
    t->batch_size = 7; t->seed = 21; t->l2 = 1e-3f; t->schedule = NNET_SCHEDULE_COSINE; t->schedule_epochs = 4;
    t->warmup_epochs = 1; t->clip_norm = 5.0f; t->augment = shift_inputs;
    t->optimizer = (nnet_optimizer_kind)optimizer;
    t->learning_rate = optimizer == NNET_SGD ? 0.1f : 0.01f;
    t->momentum = optimizer == NNET_SGD ? 0.9f : 0.0f;
    t->nesterov = optimizer == NNET_SGD;
    t->weight_decay = optimizer == NNET_ADAMW ? 0.05f : 0.0f;
}

static void two_calls_equal_one(void) {
    nnet_dataset *data = blobs(60, 1);
    int optimizer;
    for (optimizer = 0; optimizer < NNET_OPTIMIZER_COUNT_; optimizer++) {
        nnet *straight = small_net(0.3f), *split = small_net(0.3f), *fresh = small_net(0.3f);
        nnet_train_desc t;
        nnet_epoch_stats history[4];
        int runs = -1;
        CHECK(data && straight && split && fresh);
        if (!data || !straight || !split || !fresh) return;
        settings(&t, optimizer);
        t.epochs = 4;
        CHECK_STATUS(nnet_train(straight, data, NULL, &t, NULL, NULL), NNET_OK);
        t.epochs = 1;
        CHECK_STATUS(nnet_train(split, data, NULL, &t, history, &runs), NNET_OK);
        CHECK(runs == 1 && history[0].epoch == 1 && split->epoch == 1);
        t.epochs = 3;
        t.seed = 999;   // only the first call seeds the stream
        CHECK_STATUS(nnet_train(split, data, NULL, &t, history, &runs), NNET_OK);
        CHECK(runs == 3 && history[0].epoch == 2 && history[2].epoch == 4 && split->epoch == 4);
        CHECK(same_weights(straight, split));
        CHECK(!memcmp(straight->optimizer.first_moment, split->optimizer.first_moment, straight->n_parameters * sizeof(float)));
        CHECK(straight->optimizer.steps == split->optimizer.steps && straight->optimizer.steps == 4 * 9);
        // a reset starts over: the same as a fresh network trained from these weights
        nnet_training_reset(split);
        CHECK(split->epoch == 0 && split->optimizer.steps == 0);
        memcpy(fresh->parameters, split->parameters, split->n_parameters * sizeof(float));
        CHECK_STATUS(nnet_train(split, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK_STATUS(nnet_train(fresh, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK(same_weights(split, fresh));
        nnet_free(straight); nnet_free(split); nnet_free(fresh);
    }
    nnet_dataset_free(data);
}

// Save after epoch 2, load the file into a new network in "another process"
// (nothing of the first network is reused) and train on: the same bits as
// four epochs in one go, for every optimiser. The model file alone (no
// training state) loads too, and a checkpoint loads as a model.
static void checkpoint_resumes_bit_identical(void) {
    nnet_dataset *data = blobs(60, 2);
    int optimizer;
    for (optimizer = 0; optimizer < NNET_OPTIMIZER_COUNT_; optimizer++) {
        nnet *straight = small_net(0.3f), *first = small_net(0.3f), *resumed, *model_only;
        nnet_train_desc t;
        unsigned char *bytes, *model;
        size_t size = 0, model_size = 0;
        CHECK(data && straight && first);
        if (!data || !straight || !first) return;
        settings(&t, optimizer);
        t.epochs = 4;
        CHECK_STATUS(nnet_train(straight, data, NULL, &t, NULL, NULL), NNET_OK);
        t.epochs = 2;
        CHECK_STATUS(nnet_train(first, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK_STATUS(nnet_save_checkpoint_to_memory(first, NULL, 0, &size), NNET_OK);
        CHECK_STATUS(nnet_save_to_memory(first, NULL, 0, &model_size), NNET_OK);
        bytes = (unsigned char *)malloc(size);
        model = (unsigned char *)malloc(model_size);
        CHECK_STATUS(nnet_save_checkpoint_to_memory(first, bytes, size, &size), NNET_OK);
        CHECK_STATUS(nnet_save_to_memory(first, model, model_size, &model_size), NNET_OK);
        // the moments follow the parameters: one block (SGD) or two (Adam)
        CHECK(size - model_size >= (optimizer == NNET_SGD ? 1u : 2u) * 4u * first->n_parameters);
        nnet_free(first);
        resumed = nnet_load_from_memory(bytes, size);
        CHECK(resumed != NULL);
        if (!resumed) { printf("  %s\n", nnet_error()); free(bytes); free(model); return; }
        CHECK(resumed->epoch == 2 && resumed->optimizer.kind == t.optimizer && resumed->optimizer.steps == 2 * 9);
        t.epochs = 2;
        CHECK_STATUS(nnet_train(resumed, data, NULL, &t, NULL, NULL), NNET_OK);
        CHECK(same_weights(straight, resumed));
        // the model file holds no training state: it loads fresh
        model_only = nnet_load_from_memory(model, model_size);
        CHECK(model_only && model_only->epoch == 0 && model_only->optimizer.steps == 0 && !model_only->internal.rng_seeded);
        // nnet_load_weights skips a checkpoint's optimiser tensors
        CHECK_STATUS(nnet_load_weights_from_memory(model_only, bytes, size), NNET_OK);
        nnet_free(model_only);
        // a damaged checkpoint is refused: a byte of the optimiser state (CRC), the steps, the rng
        bytes[size - 1] ^= 1;
        CHECK(nnet_load_from_memory(bytes, size) == NULL && strstr(nnet_error(), "CRC-32"));
        free(bytes); free(model);
        nnet_free(straight); nnet_free(resumed);
    }
    nnet_dataset_free(data);
}

// Checkpoints whose metadata or tensors do not fit are refused with a message.
static void bad_checkpoints(void) {
    nnet_dataset *data = blobs(30, 3);
    nnet *net = small_net(0.0f);
    nnet_train_desc t;
    size_t size = 0;
    char *bytes, *p;
    CHECK(data && net);
    if (!data || !net) return;
    settings(&t, NNET_ADAM);
    t.epochs = 1;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
    CHECK_STATUS(nnet_save_checkpoint_to_memory(net, NULL, 0, &size), NNET_OK);
    bytes = (char *)malloc(size + 1);
    CHECK_STATUS(nnet_save_checkpoint_to_memory(net, bytes, size, &size), NNET_OK);
    bytes[size] = '\0';
    // edits inside the JSON header, same lengths: the CRC covers the data only
    if ((p = strstr(bytes + 8, "\"optimizer\":\"adam\""))) {
        memcpy(p, "\"optimizer\":\"sgdx\"", 18);
        CHECK(nnet_load_from_memory(bytes, size) == NULL && strstr(nnet_error(), "optimizer is \"sgdx\""));
        memcpy(p, "\"optimizer\":\"adam\"", 18);
    } else CHECK(0);
    if ((p = strstr(bytes + 8, "\"rng\":\""))) {
        char keep = p[7];
        p[7] = 'g';
        CHECK(nnet_load_from_memory(bytes, size) == NULL && strstr(nnet_error(), "rng"));
        p[7] = keep;
    } else CHECK(0);
    if ((p = strstr(bytes + 8, "exp_avg_sq"))) {
        p[8] = 'S';   // "exp_avg_Sq": an unknown name in place of a moment
        CHECK(nnet_load_from_memory(bytes, size) == NULL && strstr(nnet_error(), "is missing"));
        p[8] = 's';
    } else CHECK(0);
    {
        nnet *back = nnet_load_from_memory(bytes, size);
        CHECK(back != NULL);
        nnet_free(back);
    }
    free(bytes);
    nnet_free(net);
    nnet_dataset_free(data);
}

// Early stopping watches the validation figure, stops after `patience`
// epochs without a better one, and puts back the best epoch's weights.
static void early_stopping_keeps_the_best(void) {
    nnet_dataset *all = blobs(90, 5), *train = NULL, *validation = NULL;
    nnet *net = small_net(0.0f);
    nnet_train_desc t;
    nnet_epoch_stats history[30];
    int runs = 0, e, best = 0;
    CHECK(all && net && nnet_dataset_split(all, 0.5f, &train, &validation) == NNET_OK);
    if (!train || !net) return;
    memset(&t, 0, sizeof t);
    t.epochs = 30; t.batch_size = 5; t.learning_rate = 0.3f; t.momentum = 0.9f; t.seed = 3;   // so large that it overfits and wanders
    t.patience = 3;
    CHECK_STATUS(nnet_train(net, train, validation, &t, history, &runs), NNET_OK);
    for (e = 1; e < runs; e++) if (history[e].validation_loss < history[best].validation_loss) best = e;
    printf("  patience 3: ran %d of 30 epochs, kept epoch %d (validation loss %.4f)\n", runs, net->best_epoch,
           history[best].validation_loss);
    CHECK(net->best_epoch == history[best].epoch);
    CHECK(runs == 30 || runs == best + 1 + 3);   // stopped three epochs after the best
    {   // the weights are the best epoch's: the validation loss is that epoch's
        double loss, accuracy;
        CHECK_STATUS(nnet_evaluate(net, validation, &loss, &accuracy), NNET_OK);
        CHECK_NEAR(loss, history[best].validation_loss, 1e-9);
    }
    // watching accuracy instead; and patience without a validation set is refused
    t.monitor = NNET_MONITOR_ACCURACY;
    nnet_training_reset(net);
    CHECK_STATUS(nnet_train(net, train, validation, &t, history, &runs), NNET_OK);
    CHECK(net->best_epoch >= 1 && net->best_epoch <= runs);
    CHECK_ERROR(nnet_train(net, train, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "patience 3 needs a validation set");
    nnet_free(net);
    nnet_dataset_free(all); nnet_dataset_free(train); nnet_dataset_free(validation);
}

// When nnet_train returns the gradients are zero, so a following
// nnet_backward gives the batch's gradient, not W + dW; the thread count
// was the call's own.
static void gradients_zero_after_training(void) {
    nnet_dataset *data = blobs(40, 6);
    nnet *net = small_net(0.0f);
    nnet_train_desc t;
    size_t k;
    int zero = 1;
    CHECK(data && net);
    if (!data || !net) return;
    memset(&t, 0, sizeof t);
    t.epochs = 2; t.learning_rate = 0.05f; t.threads = 2;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
    for (k = 0; k < net->n_parameters; k++) zero &= net->gradients[k] == 0.0f;
    CHECK(zero);
    {
        nnet_mat T = nnet_dataset_one_hot(data);
        float *once = (float *)malloc(net->n_parameters * sizeof(float));
        CHECK_STATUS(nnet_forward(net, data->inputs, 0, NULL), NNET_OK);
        CHECK_STATUS(nnet_backward(net, data->inputs, T, 0.0f), NNET_OK);
        memcpy(once, net->gradients, net->n_parameters * sizeof(float));
        nnet_zero_grad(net);
        CHECK_STATUS(nnet_backward(net, data->inputs, T, 0.0f), NNET_OK);
        CHECK(!memcmp(once, net->gradients, net->n_parameters * sizeof(float)));
        free(once);
        nnet_mat_free(&T);
    }
    nnet_free(net);
    nnet_dataset_free(data);
}

// y = sin(x0) + x1 / 2, two features, one real target.
static nnet_dataset *curve(int N, uint64_t seed, float outliers) {
    nnet_dataset *data = nnet_dataset_create_targets(N, 2, 1);
    nnet_rng rng;
    int i;
    nnet_rng_seed(&rng, seed);
    for (i = 0; data && i < N; i++) {
        float x0 = 6.0f * nnet_rng_uniform(&rng) - 3.0f, x1 = 2.0f * nnet_rng_uniform(&rng) - 1.0f;
        NNET_AT(data->inputs, i, 0) = x0; NNET_AT(data->inputs, i, 1) = x1;
        data->targets.data[i] = sinf(x0) + 0.5f * x1 + 0.05f * nnet_rng_normal(&rng);
        if (nnet_rng_uniform(&rng) < outliers) data->targets.data[i] += 8.0f;
    }
    return data;
}

static void regression_end_to_end(void) {
    static const nnet_loss losses[3] = {NNET_LOSS_MSE, NNET_LOSS_MAE, NNET_LOSS_HUBER};
    nnet_dataset *train = curve(400, 7, 0.0f), *dirty = curve(400, 7, 0.1f), *test = curve(200, 8, 0.0f);
    int l, outliers;
    double r2[3][2];
    CHECK(train && dirty && test);
    if (!train || !dirty || !test) return;
    for (outliers = 0; outliers < 2; outliers++)
        for (l = 0; l < 3; l++) {
            nnet_desc d;
            nnet_train_desc t;
            nnet *net;
            nnet_mat P = nnet_mat_create(200, 1);
            nnet_regression_metrics m;
            double loss, accuracy;
            memset(&d, 0, sizeof d);
            d.n_inputs = 2; d.n_layers = 3; d.sizes[0] = 32; d.sizes[1] = 32; d.sizes[2] = 1;
            d.activations[0] = d.activations[1] = NNET_ACT_TANH; d.activations[2] = NNET_ACT_IDENTITY;
            d.loss = losses[l]; d.seed = 1;
            net = nnet_create(&d);
            memset(&t, 0, sizeof t);
            t.epochs = 60; t.batch_size = 16; t.learning_rate = 0.01f; t.optimizer = NNET_ADAM; t.seed = 2;
            CHECK(net && P.data);
            if (!net || !P.data) return;
            CHECK_STATUS(nnet_train(net, outliers ? dirty : train, test, &t, NULL, NULL), NNET_OK);
            CHECK_STATUS(nnet_predict(net, test->inputs, P), NNET_OK);
            CHECK_STATUS(nnet_regression_metrics_compute(P, test->targets, &m), NNET_OK);
            CHECK_STATUS(nnet_evaluate(net, test, &loss, &accuracy), NNET_OK);
            CHECK(isnan(accuracy));   // regression has no accuracy
            if (losses[l] == NNET_LOSS_MSE) CHECK_NEAR(loss, m.mse, 1e-5);
            if (losses[l] == NNET_LOSS_MAE) CHECK_NEAR(loss, m.mae, 1e-5);
            r2[l][outliers] = m.r2;
            printf("  %-5s %s: test mse %.4f mae %.4f r2 %.4f\n", nnet_loss_name(losses[l]),
                   outliers ? "10% outliers" : "clean       ", m.mse, m.mae, m.r2);
            nnet_mat_free(&P);
            nnet_free(net);
        }
    for (l = 0; l < 3; l++) CHECK(r2[l][0] > 0.97);          // every loss fits the clean curve
    CHECK(r2[1][1] > r2[0][1] + 0.05 && r2[2][1] > r2[0][1] + 0.05);   // MAE and Huber shrug off outliers, MSE does not
    nnet_dataset_free(train); nnet_dataset_free(dirty); nnet_dataset_free(test);
}

// Several labels per sample: label j is on when feature j > 0 (j < 3).
static void multilabel_end_to_end(void) {
    nnet_dataset *data = nnet_dataset_create_targets(300, 4, 3);
    nnet_desc d;
    nnet_train_desc t;
    nnet *net;
    nnet_rng rng;
    nnet_epoch_stats history[20];
    int i, j;
    CHECK(data != NULL);
    if (!data) return;
    nnet_rng_seed(&rng, 9);
    for (i = 0; i < 300; i++)
        for (j = 0; j < 4; j++) {
            NNET_AT(data->inputs, i, j) = nnet_rng_normal(&rng);
            if (j < 3) NNET_AT(data->targets, i, j) = NNET_AT(data->inputs, i, j) > 0.0f;
        }
    memset(&d, 0, sizeof d);
    d.n_inputs = 4; d.n_layers = 2; d.sizes[0] = 16; d.sizes[1] = 3; d.activations[1] = NNET_ACT_SIGMOID;
    net = nnet_create(&d);
    CHECK(net && net->loss == NNET_LOSS_BINARY_CROSS_ENTROPY);
    if (!net) return;
    memset(&t, 0, sizeof t);
    t.epochs = 20; t.learning_rate = 0.01f; t.optimizer = NNET_ADAM;
    CHECK_STATUS(nnet_train(net, data, data, &t, history, NULL), NNET_OK);
    printf("  3 labels each: train accuracy per label %.3f, validation %.3f\n", history[19].train_accuracy,
           history[19].validation_accuracy);
    CHECK(history[19].validation_accuracy > 0.95);
    // targets of the wrong width, non-finite, or both labels and targets: refused
    {
        nnet_dataset *wide = nnet_dataset_create_targets(10, 4, 2), *both = nnet_dataset_create(10, 4, 3);
        CHECK_ERROR(nnet_train(net, wide, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "targets 10x2, expected 10x3");
        NNET_AT(data->targets, 5, 1) = NAN;
        CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "target 1 of sample 5 is nan");
        both->targets = data->targets;
        CHECK_ERROR(nnet_train(net, both, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "both labels and targets");
        nnet_dataset_free(wide); nnet_dataset_free(both);
    }
    nnet_free(net);
    nnet_dataset_free(data);
}

// Cross-entropy on float targets needs rows of probabilities.
static void soft_targets_must_be_distributions(void) {
    nnet_dataset *data = nnet_dataset_create_targets(4, 2, 3);
    nnet *net;
    nnet_desc d;
    nnet_train_desc t;
    int i;
    CHECK(data != NULL);
    if (!data) return;
    for (i = 0; i < 12; i++) data->targets.data[i] = i % 3 == 0 ? 0.5f : 0.25f;
    memset(&d, 0, sizeof d);
    d.n_inputs = 2; d.n_layers = 1; d.sizes[0] = 3;
    net = nnet_create(&d);
    memset(&t, 0, sizeof t);
    t.epochs = 1; t.learning_rate = 0.1f;
    CHECK_STATUS(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_OK);
    data->targets.data[7] = 0.5f;
    CHECK_ERROR(nnet_train(net, data, NULL, &t, NULL, NULL), NNET_ERR_ARGUMENT, "sample 2 sum to 1.25");
    nnet_free(net);
    nnet_dataset_free(data);
}

// The figures against hand-computed ones: two outputs, averaged.
static void regression_metrics(void) {
    float y[8] = {1, 10, 2, 20, 3, 30, 4, 40}, t[8] = {1.5f, 10, 2, 22, 2, 30, 4, 36};
    nnet_regression_metrics m;
    // output 0: errors -0.5 0 1 0, targets mean 2.375, SS_tot 3.6875, SS_res 1.25
    // output 1: errors 0 -2 0 4, targets mean 24.5, SS_tot 379, SS_res 20
    CHECK_STATUS(nnet_regression_metrics_compute(nnet_mat_view(4, 2, y), nnet_mat_view(4, 2, t), &m), NNET_OK);
    CHECK_NEAR(m.mse, (1.25 / 4 + 20.0 / 4) / 2, 1e-12);
    CHECK_NEAR(m.mae, (1.5 / 4 + 6.0 / 4) / 2, 1e-12);
    CHECK_NEAR(m.r2, ((1 - 1.25 / 3.6875) + (1 - 20.0 / 379)) / 2, 1e-9);
    t[0] = t[2] = t[4] = t[6] = 5;   // a constant output: R^2 undefined
    CHECK_STATUS(nnet_regression_metrics_compute(nnet_mat_view(4, 2, y), nnet_mat_view(4, 2, t), &m), NNET_OK);
    CHECK(isnan(m.r2));
    CHECK_ERROR(nnet_regression_metrics_compute(nnet_mat_view(4, 2, y), nnet_mat_view(2, 4, t), &m), NNET_ERR_ARGUMENT,
                "expected the same non-empty shape");
}

int main(void) {
    RUN(two_calls_equal_one);
    RUN(checkpoint_resumes_bit_identical);
    RUN(bad_checkpoints);
    RUN(early_stopping_keeps_the_best);
    RUN(gradients_zero_after_training);
    RUN(regression_end_to_end);
    RUN(multilabel_end_to_end);
    RUN(soft_targets_must_be_distributions);
    RUN(regression_metrics);
    return test_summary("test_resume");
}
