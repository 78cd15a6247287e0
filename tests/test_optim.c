/* tests/test_optim.c - the optimisers: nnet's training step against PyTorch's,
   gradient clipping by global norm, the learning-rate warm-up of nnet_train,
   and the optimiser state (Adam's moments, switching optimisers, AdamW's
   decay).

   The golden data, tests/data/torch/steps.txt, come from torch.optim and the
   torch losses: 14 small MLPs (SGD with momentum, Nesterov, L2; Adam, AdamW;
   clipping; CE, BCE, MSE, MAE, Huber), each with its initial parameters, 3
   steps on batches of 5 rows (X, T and torch's loss before the step) and the
   parameters after them. Remake them from the repository root with
       /usr/bin/python3 tests/data/torch/make_steps.py
   Here each configuration is replayed with nnet's own calls, in the order
   nnet_train makes them per batch. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

#define GOLDEN "tests/data/torch/steps.txt"
#define MAX_PARAMETERS 256
#define MAX_BATCH_FLOATS (5 * 16)   // batches of 5 rows, layers of at most 16
#define PARAMETER_TOLERANCE 1e-5   // max |nnet - torch| over the parameters after 3 steps
#define LOSS_TOLERANCE 1e-5        // relative, on each step's loss

// ---- Reading steps.txt ----------------------------------------------------------
// The next word is `key`; then (value != NULL) a float after it.
static int expect(FILE *f, const char *key, float *value) {
    char word[64];
    if (fscanf(f, "%63s", word) != 1 || strcmp(word, key) != 0) return 0;
    return value ? fscanf(f, "%f", value) == 1 : 1;
}

// `key` followed by n floats.
static int read_floats(FILE *f, const char *key, float *x, int n) {
    int k;
    if (!expect(f, key, NULL)) return 0;
    for (k = 0; k < n; k++) if (fscanf(f, "%f", &x[k]) != 1) return 0;
    return 1;
}

// One configuration's header: the network and the optimiser.
typedef struct golden {
    char name[64], hidden[32], output[32], loss[16], optimizer[16];
    int sizes[NNET_MAX_LAYERS + 1], n_sizes, steps, batch;
    float delta, lr, clip, nesterov, init[MAX_PARAMETERS];   // nesterov: 0 or 1, read as a float
    nnet_train_desc t;
} golden;

// Reads "config" up to "init ..."; 1 read, 0 at the end of the file, -1 malformed.
static int read_header(FILE *f, golden *g) {
    char word[64];
    int n, got, parameters = 0;
    memset(g, 0, sizeof *g);
    while ((got = fscanf(f, "%63s", word)) == 1 && word[0] == '#')   // comments
        if (fscanf(f, "%*[^\n]") == EOF) break;
    if (got != 1) return 0;
    if (strcmp(word, "config") != 0 || fscanf(f, "%63s", g->name) != 1 || !expect(f, "sizes", NULL)) return -1;
    while (g->n_sizes <= NNET_MAX_LAYERS && fscanf(f, "%d", &n) == 1) g->sizes[g->n_sizes++] = n;
    if (g->n_sizes < 2 || g->n_sizes > NNET_MAX_LAYERS + 1) return -1;
    for (n = 0; n < g->n_sizes; n++) if (g->sizes[n] < 1 || g->sizes[n] > 16) return -1;
    for (n = 1; n < g->n_sizes; n++) parameters += (g->sizes[n - 1] + 1) * g->sizes[n];
    if (parameters > MAX_PARAMETERS) return -1;
    if (!expect(f, "hidden", NULL) || fscanf(f, "%31s", g->hidden) != 1 || !expect(f, "output", NULL) ||
        fscanf(f, "%31s", g->output) != 1 || !expect(f, "loss", NULL) || fscanf(f, "%15s %f", g->loss, &g->delta) != 2 ||
        !expect(f, "optimizer", NULL) || fscanf(f, "%15s", g->optimizer) != 1 ||
        !expect(f, "lr", &g->lr) || !expect(f, "momentum", &g->t.momentum) || !expect(f, "nesterov", &g->nesterov) ||
        !expect(f, "beta1", &g->t.beta1) || !expect(f, "beta2", &g->t.beta2) || !expect(f, "eps", &g->t.eps) ||
        !expect(f, "weight_decay", &g->t.weight_decay) || !expect(f, "l2", &g->t.l2) || !expect(f, "clip", &g->clip) ||
        fscanf(f, " steps %d batch %d", &g->steps, &g->batch) != 2 || g->steps < 1 || g->batch != 5 ||
        !read_floats(f, "init", g->init, parameters))
        return -1;
    g->t.nesterov = g->nesterov != 0.0f;
    g->t.optimizer = (nnet_optimizer_kind)nnet_optimizer_from_name(g->optimizer);
    return (int)g->t.optimizer < 0 ? -1 : 1;
}

// The network the header describes, with its initial parameters.
static nnet *golden_net(const golden *g) {
    nnet_desc d;
    nnet *net;
    int l;
    memset(&d, 0, sizeof d);
    d.n_inputs = g->sizes[0];
    d.n_layers = g->n_sizes - 1;
    for (l = 0; l < d.n_layers; l++) {
        d.sizes[l] = g->sizes[l + 1];
        d.activations[l] = (nnet_activation)nnet_activation_from_name(l < d.n_layers - 1 ? g->hidden : g->output);
        if ((int)d.activations[l] < 0) return NULL;
    }
    if (nnet_loss_from_name(g->loss) < 0) return NULL;
    d.loss = (nnet_loss)nnet_loss_from_name(g->loss);
    d.huber_delta = g->delta;
    net = nnet_create(&d);
    if (net) memcpy(net->parameters, g->init, net->n_parameters * sizeof(float));
    return net;
}

static double sum_squared_weights(const nnet *net) {
    double sum = 0.0;
    size_t k;
    int l;
    for (l = 0; l < net->n_layers; l++)
        for (k = 0; k < (size_t)net->layers[l].n_outputs * (size_t)net->layers[l].n_inputs; k++)
            sum += (double)net->layers[l].weight.data[k] * net->layers[l].weight.data[k];
    return sum;
}

// Replays one configuration: per step what nnet_train does per batch.
// 1 done, 0 end of file, -1 malformed.
static int replay(FILE *f) {
    golden g;
    nnet *net;
    nnet_rng rng;
    float X[MAX_BATCH_FLOATS], T[MAX_BATCH_FLOATS], torch_loss, final[MAX_PARAMETERS], step_number, norm;
    double worst = 0.0, moved = 0.0, loss_error = 0.0;
    char shape[64];
    int s, status = read_header(f, &g), I, O;
    size_t k;
    if (status <= 0) return status;
    if (!(net = golden_net(&g))) { printf("  %s: cannot build the network (%s)\n", g.name, nnet_error()); return -1; }
    I = g.sizes[0]; O = g.sizes[g.n_sizes - 1];
    nnet_rng_seed(&rng, 1);
    for (s = 0; s < g.steps; s++) {
        nnet_mat x = nnet_mat_view(g.batch, I, X), t = nnet_mat_view(g.batch, O, T);
        double loss = 0.0, expected;
        if (!expect(f, "step", &step_number) || step_number != (float)(s + 1) || !read_floats(f, "X", X, g.batch * I) ||
            !read_floats(f, "T", T, g.batch * O) || !expect(f, "loss", &torch_loss)) { nnet_free(net); return -1; }
        CHECK_STATUS(nnet_forward(net, x, 1, &rng), NNET_OK);
        CHECK_STATUS(nnet_loss_value(net, t, g.t.l2, &loss), NNET_OK);
        expected = torch_loss + 0.5 * g.t.l2 * sum_squared_weights(net);   // torch's loss has no L2 term
        loss_error = fmax(loss_error, fabs(loss - expected) / fabs(expected));
        if (!(fabs(loss - expected) <= LOSS_TOLERANCE * fabs(expected))) {
            test_current_failures++;
            printf("  %s step %d: loss %.9g, torch %.9g\n", g.name, s + 1, loss, expected);
        }
        nnet_zero_grad(net);
        CHECK_STATUS(nnet_backward(net, x, t, g.t.l2), NNET_OK);
        if (g.clip > 0) {   // torch clipped in every step (make_steps.py asserts it)
            CHECK_STATUS(nnet_clip_gradients(net, g.clip, &norm), NNET_OK);
            CHECK(norm > g.clip);
        }
        CHECK_STATUS(nnet_optimizer_step(net, &g.t, g.lr), NNET_OK);
    }
    if (!read_floats(f, "final", final, (int)net->n_parameters) || !expect(f, "end", NULL)) { nnet_free(net); return -1; }
    for (k = 0; k < net->n_parameters; k++) {
        worst = fmax(worst, fabs((double)net->parameters[k] - final[k]));
        moved = fmax(moved, fabs((double)net->parameters[k] - g.init[k]));
    }
    for (s = 0, shape[0] = 0; s < g.n_sizes; s++)
        sprintf(shape + strlen(shape), "%s%d", s ? "-" : "", g.sizes[s]);
    printf("  %-16s (%s %s/%s %s): max |nnet - torch| %.2g, loss relative %.2g\n", g.name, shape, g.hidden,
           g.output, g.loss, worst, loss_error);
    CHECK(worst < PARAMETER_TOLERANCE);
    CHECK(moved > 1e-3);   // the steps did something: no vacuous pass
    nnet_free(net);
    return 1;
}

static void steps_match_torch(void) {
    FILE *f = fopen(GOLDEN, "r");
    int configs = 0, status;
    CHECK(f != NULL);
    if (!f) { printf("  cannot open %s (run the tests from the repository root)\n", GOLDEN); return; }
    while ((status = replay(f)) > 0) configs++;
    if (status < 0) printf("  %s is malformed after %d configurations\n", GOLDEN, configs);
    CHECK(status == 0);
    CHECK(configs == 14);
    fclose(f);
}

// ---- Clipping by global norm ------------------------------------------------------
static nnet *small_net(void) {   // 3-4-2: 16 weights, 6 biases
    nnet_desc d;
    memset(&d, 0, sizeof d);
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 4; d.sizes[1] = 2; d.seed = 5;
    return nnet_create(&d);
}

static void clipping_by_global_norm(void) {
    nnet *net = small_net();
    float g[32], norm = -1.0f, max_norm;
    double sum = 0.0, length, scale;
    size_t k, n;
    int i;
    CHECK(net != NULL);
    if (!net) return;
    n = net->n_parameters;
    for (k = 0; k < n; k++) { g[k] = 0.25f * (float)((int)(k % 7) - 3) + 0.1f; sum += (double)g[k] * g[k]; }
    length = sqrt(sum);
    for (i = 0; i < 2; i++) {   // max_norm 0 (only measure) or above the norm: the gradients stay as they are
        memcpy(net->gradients, g, n * sizeof(float));
        CHECK_STATUS(nnet_clip_gradients(net, i ? (float)(1.5 * length) : 0.0f, &norm), NNET_OK);
        CHECK_NEAR(norm, length, 1e-6 * length);
        CHECK(memcmp(net->gradients, g, n * sizeof(float)) == 0);
    }
    // clipping: every gradient, weights and biases, times max_norm / (norm + 1e-6)
    max_norm = (float)(length / 4);
    scale = max_norm / (length + 1e-6);
    CHECK_STATUS(nnet_clip_gradients(net, max_norm, NULL), NNET_OK);
    for (k = 0; k < n; k++) CHECK_NEAR(net->gradients[k], g[k] * scale, 1e-6);
    CHECK_STATUS(nnet_clip_gradients(net, 0.0f, &norm), NNET_OK);
    CHECK_NEAR(norm, max_norm, 1e-5);
    // the biases count: the last bias alone makes the whole norm
    nnet_zero_grad(net);
    net->layers[1].bias_grad[1] = -3.0f;
    CHECK_STATUS(nnet_clip_gradients(net, 1.5f, &norm), NNET_OK);
    CHECK_NEAR(norm, 3.0, 1e-6);
    CHECK_NEAR(net->layers[1].bias_grad[1], -1.5 * 3.0 / (3.0 + 1e-6), 1e-6);
    // errors (the norm reads 0)
    CHECK_ERROR(nnet_clip_gradients(NULL, 1.0f, &norm), NNET_ERR_ARGUMENT, "NULL");
    CHECK(norm == 0.0f);
    CHECK_ERROR(nnet_clip_gradients(net, -1.0f, &norm), NNET_ERR_ARGUMENT, "max_norm");
    CHECK_ERROR(nnet_clip_gradients(net, NAN, &norm), NNET_ERR_ARGUMENT, "max_norm");
    CHECK_ERROR(nnet_clip_gradients(net, INFINITY, &norm), NNET_ERR_ARGUMENT, "finite");
    nnet_free(net);
}

// ---- Warm-up ----------------------------------------------------------------------
typedef struct rates { int count; double rate[64]; } rates;

static int record_rate(const nnet_progress *p, void *user) {
    rates *r = (rates *)user;
    if (!p->end_of_epoch && r->count < 64) r->rate[r->count++] = p->learning_rate;
    return 0;
}

// Trains a fresh 3-4-2 MSE network on data, in calls of epochs[0], epochs[1], ...
// epochs (0 ends the list), recording the rate of every step and every epoch.
static void warm_up_run(const nnet_dataset *data, nnet_schedule schedule, const int *epochs,
                        rates *r, nnet_epoch_stats *history) {
    nnet_desc d;
    nnet_train_desc t;
    nnet *net;
    int done = 0;
    memset(&d, 0, sizeof d);
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 4; d.sizes[1] = 2; d.activations[1] = NNET_ACT_IDENTITY;
    net = nnet_create(&d);
    CHECK(net != NULL);
    if (!net) return;
    memset(&t, 0, sizeof t);
    t.batch_size = 4; t.learning_rate = 0.1f; t.warmup_epochs = 2; t.no_shuffle = 1;
    t.schedule = schedule; t.schedule_gamma = 0.5f; t.schedule_epochs = 4;
    t.progress = record_rate; t.user_data = r;
    memset(r, 0, sizeof *r);
    for (; *epochs; epochs++) {
        t.epochs = *epochs;
        CHECK_STATUS(nnet_train(net, data, NULL, &t, history + done, NULL), NNET_OK);
        done += *epochs;
    }
    nnet_free(net);
}

static void warm_up_rises_linearly(void) {
    nnet_dataset *data = nnet_dataset_create_targets(10, 3, 2);   // batches of 4, 4, 2
    const int batches = 3, one_call[] = {4, 0}, two_calls[] = {1, 3, 0};
    int schedule, step;
    CHECK(data != NULL);
    if (!data) return;
    for (step = 0; step < 30; step++) data->inputs.data[step] = (float)(step % 5) - 2.0f;
    for (step = 0; step < 20; step++) data->targets.data[step] = (float)(step % 3);
    for (schedule = 0; schedule < 2; schedule++) {   // constant, then halving per epoch: the warm-up scales the schedule
        nnet_schedule kind = schedule ? NNET_SCHEDULE_EXPONENTIAL : NNET_SCHEDULE_CONSTANT;
        nnet_epoch_stats history[4], again[4];
        rates r, split;
        int epoch;
        warm_up_run(data, kind, one_call, &r, history);
        CHECK(r.count == 4 * batches);
        for (step = 0; step < r.count; step++) {
            double scheduled = 0.1f * pow(schedule ? 0.5 : 1.0, step / batches);
            double expected = scheduled * fmin(1.0, (step + 1.0) / (2 * batches));
            if (!(fabs(r.rate[step] - expected) <= 1e-7 * scheduled)) {
                test_current_failures++;
                printf("  %s, step %d: learning rate %.9g, expected %.9g\n", nnet_schedule_name(kind), step + 1,
                       r.rate[step], expected);
            }
        }
        for (epoch = 0; epoch < 4; epoch++)   // the epoch statistics report the schedule's rate
            CHECK_NEAR(history[epoch].learning_rate, 0.1f * pow(schedule ? 0.5 : 1.0, epoch), 1e-8);
        // the warm-up's clock is the optimiser's step count: it runs on across calls
        warm_up_run(data, kind, two_calls, &split, again);
        CHECK(split.count == r.count && memcmp(split.rate, r.rate, sizeof r.rate) == 0);
        CHECK(again[3].learning_rate == history[3].learning_rate);
    }
    nnet_dataset_free(data);
}

// ---- The optimiser's state --------------------------------------------------------
// One step of `kind` on the constant gradients g: 1 if it succeeded.
static int step_with(nnet *net, nnet_optimizer_kind kind, const float *g, float lr) {
    nnet_train_desc t;
    memset(&t, 0, sizeof t);
    t.optimizer = kind;
    if (kind == NNET_SGD) t.momentum = 0.9f;
    memcpy(net->gradients, g, net->n_parameters * sizeof(float));
    return nnet_optimizer_step(net, &t, lr) == NNET_OK;
}

static void optimizer_state(void) {
    nnet *net = small_net();
    nnet_train_desc t;
    float g[32], before[32], lr = 0.01f;
    size_t k, n, bias0;
    CHECK(net != NULL);
    if (!net) return;
    n = net->n_parameters;
    for (k = 0; k < n; k++) g[k] = 0.02f * (float)((int)(k % 5) - 2) + 0.005f;   // none zero
    CHECK(net->optimizer.kind == NNET_SGD && net->optimizer.steps == 0 && net->optimizer.second_moment == NULL);
    // Adam: its first step moves every parameter by lr against the sign of its gradient
    memcpy(before, net->parameters, n * sizeof(float));
    CHECK(step_with(net, NNET_ADAM, g, lr));
    for (k = 0; k < n; k++) CHECK_NEAR(net->parameters[k], before[k] - (g[k] > 0 ? lr : -lr), 1e-6);
    CHECK(step_with(net, NNET_ADAM, g, lr) && step_with(net, NNET_ADAM, g, lr));
    CHECK(net->optimizer.kind == NNET_ADAM && net->optimizer.steps == 3 && net->optimizer.second_moment != NULL);
    if (!net->optimizer.second_moment) { nnet_free(net); return; }
    for (k = 0; k < n; k++) {   // m = (1 - b1^3) g and s = (1 - b2^3) g^2 after 3 steps on constant g
        CHECK_NEAR(net->optimizer.first_moment[k], (1 - pow(0.9, 3)) * g[k], 1e-7);
        CHECK_NEAR(net->optimizer.second_moment[k], (1 - pow(0.999, 3)) * g[k] * g[k], 1e-9);
    }
    // SGD starts its own state: velocity v = g from zero, Adam's moments cleared
    memcpy(before, net->parameters, n * sizeof(float));
    CHECK(step_with(net, NNET_SGD, g, lr));
    CHECK(net->optimizer.kind == NNET_SGD && net->optimizer.steps == 1);
    for (k = 0; k < n; k++) {
        CHECK(net->optimizer.first_moment[k] == g[k] && net->optimizer.second_moment[k] == 0.0f);
        CHECK_NEAR(net->parameters[k], before[k] - lr * g[k], 1e-7);
    }
    // back to Adam: a new Adam, t = 1 and m = (1 - b1) g
    CHECK(step_with(net, NNET_ADAM, g, lr));
    CHECK(net->optimizer.kind == NNET_ADAM && net->optimizer.steps == 1);
    for (k = 0; k < n; k++) CHECK_NEAR(net->optimizer.first_moment[k], 0.1 * g[k], 1e-8);
    // AdamW on zero gradients only decays: the weights by 1 - lr wd (wd 0 meaning 0.01), never the biases
    for (k = 0; k < n; k++) net->parameters[k] = before[k] = 0.5f + 0.01f * (float)k;
    memset(g, 0, sizeof g);
    CHECK(step_with(net, NNET_ADAMW, g, 0.5f));
    bias0 = (size_t)(net->layers[0].bias - net->parameters);
    for (k = 0; k < n; k++) {
        int is_bias = (k >= bias0 && k < bias0 + 4) || k >= n - 2;
        CHECK_NEAR(net->parameters[k], before[k] * (is_bias ? 1.0 : 1.0 - 0.5 * 0.01), 1e-7);
    }
    // weight_decay belongs to AdamW alone
    memset(&t, 0, sizeof t);
    t.optimizer = NNET_ADAM; t.weight_decay = 0.1f;
    CHECK_ERROR(nnet_optimizer_step(net, &t, lr), NNET_ERR_ARGUMENT, "weight_decay");
    nnet_free(net);
}

// A first moment that decays below FLT_MIN is stored as 0, not as a subnormal
// number; one just above stays; a NaN stays NaN (the step reports it).
static void first_moments_flush_to_zero(void) {
    static const nnet_optimizer_kind kinds[2] = {NNET_SGD, NNET_ADAM};
    nnet *net = small_net();
    float g[32], before[32];
    size_t k, n;
    int i;
    CHECK(net != NULL);
    if (!net) return;
    n = net->n_parameters;
    memset(g, 0, sizeof g);
    for (i = 0; i < 2; i++) {
        float *m = net->optimizer.first_moment, below, above;
        CHECK(step_with(net, kinds[i], g, 0.01f));   // the optimiser's state, all 0
        for (k = 0; k < n; k++) m[k] = k % 2 ? 1.4e-38f : -1.3e-38f;   // 0.9 m: 1.26e-38 and -1.17e-38
        CHECK(step_with(net, kinds[i], g, 0.01f));
        below = 0.9f * -1.3e-38f;
        above = 0.9f * 1.4e-38f;
        CHECK(below < 0.0f && below > -FLT_MIN && above >= FLT_MIN);
        for (k = 0; k < n; k++) CHECK(m[k] == (k % 2 ? above : 0.0f));
        memcpy(before, net->parameters, n * sizeof(float));
        g[3] = NAN;
        CHECK(!step_with(net, kinds[i], g, 0.01f) && strstr(nnet_error(), "NaN or infinite"));
        CHECK(m[3] != m[3]);
        g[3] = 0.0f;
        memcpy(net->parameters, before, n * sizeof(float));
    }
    nnet_free(net);
}

int main(void) {
    RUN(steps_match_torch);
    RUN(clipping_by_global_norm);
    RUN(warm_up_rises_linearly);
    RUN(optimizer_state);
    RUN(first_moments_flush_to_zero);
    return test_summary("test_optim");
}
