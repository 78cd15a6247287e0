/* tests/test_gradients.c - nnet_backward against central differences.

   The oracle: the test recomputes the network's loss in double precision from
   the float weights (same layers, activations, dropout masks, loss and L2,
   written out independently below), after checking that it agrees with
   nnet_loss_value. Central differences of that double loss (step 1e-6) are
   accurate to ~1e-9, so the worst relative error printed per case measures
   the float32 backward pass itself. Every hidden activation meets every
   output/loss pair, then dropout (fixed masks: nnet_forward with training=1
   and rng=NULL reuses them) and L2; the regression losses (MSE, MAE, Huber)
   on real targets and BCE on several 0/1 labels per sample too. Each case
   must have a gradient that is not all zero, and a relative error below 1e-2. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

#define B 6          // batch
#define WIDTH 16     // widest layer in these cases

typedef struct grad_case {
    nnet_activation hidden, output;
    nnet_loss loss;
    int n_hidden, outputs;
    float dropout, l2;
    int targets;       // 0: one class label per sample; 1: real targets; 2: 0/1 per output; 3: rows of probabilities
    float delta;       // Huber's delta (0: the default, 1)
} grad_case;

// The loss of `net`'s architecture with parameters `w` (same layout as
// net->parameters) on X, in double. With masks != 0 the dropout masks stored
// by the last training forward pass are applied.
static double reference_loss(const nnet *net, const double *w, nnet_mat X, nnet_mat T, float l2, int masks) {
    double a[B][WIDTH], z[B][WIDTH], loss = 0.0, penalty = 0.0;
    int l, i, j, k, O = 0, last = net->n_layers - 1;
    size_t offset = 0;
    for (i = 0; i < B; i++) for (k = 0; k < X.cols; k++) a[i][k] = NNET_AT(X, i, k);
    for (l = 0; l < net->n_layers; l++) {
        const nnet_layer *layer = &net->layers[l];
        int I = layer->n_inputs;
        const double *W = w + offset, *bias = W + (size_t)layer->n_outputs * (size_t)I;
        O = layer->n_outputs;
        offset += (size_t)O * (size_t)I + (size_t)O;
        for (k = 0; k < O * I; k++) penalty += W[k] * W[k];
        for (i = 0; i < B; i++)
            for (j = 0; j < O; j++) {
                double s = bias[j];
                for (k = 0; k < I; k++) s += a[i][k] * W[j * I + k];
                z[i][j] = s;
            }
        if (l == last) break;
        for (i = 0; i < B; i++)
            for (j = 0; j < O; j++) {
                a[i][j] = test_activation(layer->activation, z[i][j], net->leaky_slope);
                if (masks && layer->dropout > 0.0f) a[i][j] *= NNET_AT(layer->mask, i, j);
            }
    }
    for (i = 0; i < B; i++) {
        double t[WIDTH], y[WIDTH], m = z[i][0], sum = 0.0;
        for (j = 0; j < O; j++) t[j] = NNET_AT(T, i, j);
        for (j = 1; j < O; j++) if (z[i][j] > m) m = z[i][j];
        for (j = 0; j < O; j++) sum += exp(z[i][j] - m);
        if (net->loss == NNET_LOSS_CROSS_ENTROPY) {
            for (j = 0; j < O; j++) loss -= t[j] * (z[i][j] - m - log(sum)) / B;
        } else if (net->loss == NNET_LOSS_BINARY_CROSS_ENTROPY) {
            for (j = 0; j < O; j++) {
                double p = 1.0 / (1.0 + exp(-z[i][j]));
                loss -= (t[j] * log(p) + (1 - t[j]) * log(1 - p)) / (B * O);
            }
        } else {
            for (j = 0; j < O; j++)
                y[j] = net->layers[last].activation == NNET_ACT_SOFTMAX ? exp(z[i][j] - m) / sum
                     : test_activation(net->layers[last].activation, z[i][j], net->leaky_slope);
            for (j = 0; j < O; j++) {
                double e = fabs(y[j] - t[j]), d = net->huber_delta;
                loss += (net->loss == NNET_LOSS_MAE ? e : net->loss == NNET_LOSS_HUBER ? (e <= d ? e * e / 2 : d * (e - d / 2)) : e * e) / (B * O);
            }
        }
    }
    return loss + 0.5 * l2 * penalty;
}

static const char *loss_label(const grad_case *c, char *out, size_t cap) {
    snprintf(out, cap, "%s+%s%s", nnet_activation_name(c->output), nnet_loss_name(c->loss),
             c->targets == 1 ? " (real)" : c->targets == 2 ? " (0/1 each)" : c->targets == 3 ? " (soft)" : "");
    return out;
}

// Returns the worst relative error of the case (or 1 if something failed).
static double check_case(const grad_case *c, uint64_t seed) {
    nnet_desc d;
    nnet *net;
    nnet_rng rng;
    float x[B * 5];
    float t[B * WIDTH];
    int labels[B], i, l, classes = c->outputs == 1 ? 2 : c->outputs, sizes[4] = {7, 6, 5, 0};
    size_t k, n, nonzero = 0;
    double *w, *numeric, worst = 0.0, largest = 0.0, base, library_loss;
    float *analytic;
    char name[128], label[64];
    nnet_mat X = nnet_mat_view(B, 5, x), T = nnet_mat_view(B, c->outputs, t);

    memset(&d, 0, sizeof d);
    d.n_inputs = 5; d.n_layers = c->n_hidden + 1;
    for (l = 0; l < c->n_hidden; l++) {
        d.sizes[l] = sizes[l];
        d.activations[l] = c->hidden;
        d.dropout[l] = c->dropout * (l + 1) / c->n_hidden;   // e.g. 0.25 then 0.5
    }
    d.sizes[c->n_hidden] = c->outputs;
    d.activations[c->n_hidden] = c->output;
    d.loss = c->loss; d.leaky_slope = 0.1f; d.seed = seed; d.huber_delta = c->delta;
    net = nnet_create(&d);
    CHECK(net != NULL);
    if (!net) { printf("  %s\n", nnet_error()); return 1.0; }
    nnet_rng_seed(&rng, seed + 1);
    for (i = 0; i < B * 5; i++) x[i] = nnet_rng_normal(&rng);
    for (i = 0; i < B; i++) labels[i] = (int)nnet_rng_below(&rng, (uint32_t)classes);
    if (c->targets == 0) CHECK_STATUS(nnet_labels_to_targets(T, labels, classes), NNET_OK);
    else for (i = 0; i < B * c->outputs; i++) t[i] = c->targets == 1 ? nnet_rng_normal(&rng) : (float)nnet_rng_below(&rng, 2 + 98 * (c->targets == 3));
    if (c->targets == 3)   // each row a distribution: soft targets for cross-entropy
        for (i = 0; i < B; i++) {
            float sum = 0.0f;
            for (l = 0; l < c->outputs; l++) sum += t[i * c->outputs + l] + 1.0f;
            for (l = 0; l < c->outputs; l++) t[i * c->outputs + l] = (t[i * c->outputs + l] + 1.0f) / sum;
        }
    // the biases start at zero; give them values so their gradients are tested in general position
    for (l = 0; l < net->n_layers; l++)
        for (i = 0; i < net->layers[l].n_outputs; i++) net->layers[l].bias[i] = 0.2f * nnet_rng_normal(&rng);

    n = net->n_parameters;
    w = (double *)malloc(n * sizeof(double));
    numeric = (double *)malloc(n * sizeof(double));
    analytic = (float *)malloc(n * sizeof(float));
    if (!w || !numeric || !analytic) { CHECK(0); free(w); free(numeric); free(analytic); nnet_free(net); return 1.0; }

    // the analytic gradient, with freshly drawn dropout masks
    CHECK_STATUS(nnet_forward(net, X, 1, &rng), NNET_OK);
    nnet_zero_grad(net);
    CHECK_STATUS(nnet_backward(net, X, T, c->l2), NNET_OK);
    memcpy(analytic, net->gradients, n * sizeof(float));

    // the double oracle agrees with the library's own loss
    for (k = 0; k < n; k++) w[k] = net->parameters[k];
    base = reference_loss(net, w, X, T, c->l2, 1);
    CHECK_STATUS(nnet_loss_value(net, T, c->l2, &library_loss), NNET_OK);
    CHECK(fabs(library_loss - base) <= 1e-5 * (1.0 + fabs(base)));

    for (k = 0; k < n; k++) {
        double h = 1e-6 * (1.0 + fabs(w[k])), plus, minus, keep = w[k];
        w[k] = keep + h; plus = reference_loss(net, w, X, T, c->l2, 1);
        w[k] = keep - h; minus = reference_loss(net, w, X, T, c->l2, 1);
        w[k] = keep;
        numeric[k] = (plus - minus) / (2 * h);
        if (fabs(numeric[k]) > largest) largest = fabs(numeric[k]);
    }
    // relative error per parameter; gradients below 1e-4 of the largest are
    // compared on that scale instead (float rounding, not a wrong formula)
    for (k = 0; k < n; k++) {
        double a = analytic[k], scale = fmax(fmax(fabs(a), fabs(numeric[k])), 1e-4 * largest);
        double rel = scale > 0.0 ? fabs(a - numeric[k]) / scale : 0.0;
        if (rel > worst) worst = rel;
        nonzero += fabs(a) > 1e-9 * (largest + 1e-30);
    }
    // not all zero: every layer's weights receive gradient, most entries move
    for (l = 0; l < net->n_layers; l++) {
        double norm = 0.0;
        size_t count = (size_t)net->layers[l].n_outputs * (size_t)net->layers[l].n_inputs;
        const float *g = analytic + (net->layers[l].weight_grad.data - net->gradients);
        for (k = 0; k < count; k++) norm += (double)g[k] * g[k];
        CHECK(norm > 1e-12);
    }
    if (c->dropout > 0.0f) {
        // rng = NULL reuses the masks: the same outputs and loss again, and
        // a perturbed weight changes the library's loss as it changes the oracle's
        float saved = net->parameters[3];
        double moved;
        float before[B * 4];
        memcpy(before, nnet_output(net).data, sizeof(float) * B * (size_t)c->outputs);
        CHECK_STATUS(nnet_forward(net, X, 1, NULL), NNET_OK);
        CHECK(memcmp(before, nnet_output(net).data, sizeof(float) * B * (size_t)c->outputs) == 0);
        net->parameters[3] = saved + 0.01f;
        CHECK_STATUS(nnet_forward(net, X, 1, NULL), NNET_OK);
        CHECK_STATUS(nnet_loss_value(net, T, c->l2, &library_loss), NNET_OK);
        w[3] = net->parameters[3];
        moved = reference_loss(net, w, X, T, c->l2, 1);
        CHECK(fabs(library_loss - moved) <= 1e-5 * (1.0 + fabs(moved)));
        CHECK(moved != base);
        w[3] = net->parameters[3] = saved;
        // and a new rng draws different masks
        CHECK_STATUS(nnet_forward(net, X, 1, &rng), NNET_OK);
        CHECK(memcmp(before, nnet_output(net).data, sizeof(float) * B * (size_t)c->outputs) != 0);
        CHECK_STATUS(nnet_forward(net, X, 0, NULL), NNET_OK);   // inference: no masks
        CHECK(memcmp(before, nnet_output(net).data, sizeof(float) * B * (size_t)c->outputs) != 0);
    }
    CHECK(largest > 1e-3);
    CHECK(nonzero >= n / 3);
    CHECK(worst < 1e-2);
    snprintf(name, sizeof name, "%s / %s", nnet_activation_name(c->hidden), loss_label(c, label, sizeof label));
    printf("  %-34s 5-7-6%s-%d%s%s: worst rel err %.2e  (%zu params, %zu nonzero, max |g| %.3f)\n", name,
           c->n_hidden == 3 ? "-5" : "", c->outputs, c->dropout > 0.0f ? " dropout" : "",
           c->l2 > 0.0f ? " l2=0.1" : "", worst, n, nonzero, largest);
    free(w); free(numeric); free(analytic);
    nnet_free(net);
    return worst;
}

static const nnet_activation hidden_acts[5] = {NNET_ACT_IDENTITY, NNET_ACT_SIGMOID, NNET_ACT_TANH,
                                               NNET_ACT_RELU, NNET_ACT_LEAKY_RELU};

// Every hidden activation x every output/loss pair; 2 and 3 hidden layers,
// 3 outputs, and 1 output for every other sigmoid case.
static void gradients_every_activation_and_loss(void) {
    static const struct { nnet_activation output; nnet_loss loss; } outs[6] = {
        {NNET_ACT_SOFTMAX, NNET_LOSS_CROSS_ENTROPY}, {NNET_ACT_SIGMOID, NNET_LOSS_BINARY_CROSS_ENTROPY},
        {NNET_ACT_IDENTITY, NNET_LOSS_MSE}, {NNET_ACT_SIGMOID, NNET_LOSS_MSE},
        {NNET_ACT_TANH, NNET_LOSS_MSE}, {NNET_ACT_SOFTMAX, NNET_LOSS_MSE}};
    int h, o, index = 0;
    for (h = 0; h < 5; h++)
        for (o = 0; o < 6; o++, index++) {
            grad_case c;
            memset(&c, 0, sizeof c);
            c.hidden = hidden_acts[h]; c.output = outs[o].output; c.loss = outs[o].loss;
            c.n_hidden = 2 + index % 2;
            c.outputs = outs[o].output == NNET_ACT_SIGMOID && (h % 2) ? 1 : 3;
            check_case(&c, 100 + (uint64_t)index);
        }
}

// Dropout with fixed masks, L2, and both, on several activations.
static void gradients_dropout_and_l2(void) {
    static const struct { nnet_activation hidden, output; nnet_loss loss; int outputs; float dropout, l2; } cases[] = {
        {NNET_ACT_RELU, NNET_ACT_SOFTMAX, NNET_LOSS_CROSS_ENTROPY, 3, 0.5f, 0.0f},
        {NNET_ACT_TANH, NNET_ACT_SIGMOID, NNET_LOSS_BINARY_CROSS_ENTROPY, 1, 0.5f, 0.0f},
        {NNET_ACT_SIGMOID, NNET_ACT_IDENTITY, NNET_LOSS_MSE, 3, 0.4f, 0.0f},
        {NNET_ACT_LEAKY_RELU, NNET_ACT_SOFTMAX, NNET_LOSS_MSE, 3, 0.5f, 0.0f},
        {NNET_ACT_RELU, NNET_ACT_SOFTMAX, NNET_LOSS_CROSS_ENTROPY, 3, 0.0f, 0.1f},
        {NNET_ACT_TANH, NNET_ACT_TANH, NNET_LOSS_MSE, 3, 0.0f, 0.1f},
        {NNET_ACT_SIGMOID, NNET_ACT_SIGMOID, NNET_LOSS_BINARY_CROSS_ENTROPY, 3, 0.0f, 0.1f},
        {NNET_ACT_LEAKY_RELU, NNET_ACT_SOFTMAX, NNET_LOSS_CROSS_ENTROPY, 3, 0.5f, 0.1f},
        {NNET_ACT_IDENTITY, NNET_ACT_SIGMOID, NNET_LOSS_MSE, 1, 0.3f, 0.1f}};
    int i;
    for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        grad_case c;
        memset(&c, 0, sizeof c);
        c.hidden = cases[i].hidden; c.output = cases[i].output; c.loss = cases[i].loss;
        c.outputs = cases[i].outputs; c.dropout = cases[i].dropout; c.l2 = cases[i].l2;
        c.n_hidden = 2 + i % 2;
        check_case(&c, 500 + (uint64_t)i);
    }
}

// Targets that are not class labels: regression with MSE, MAE and Huber on
// real targets (Huber with a small delta, so both of its pieces occur), and
// several 0/1 labels per sample with sigmoid outputs and BCE.
static void gradients_real_targets(void) {
    static const struct { nnet_activation hidden, output; nnet_loss loss; int targets; float delta, dropout, l2; } cases[] = {
        {NNET_ACT_TANH, NNET_ACT_IDENTITY, NNET_LOSS_MSE, 1, 0.0f, 0.0f, 0.0f},
        {NNET_ACT_RELU, NNET_ACT_IDENTITY, NNET_LOSS_MAE, 1, 0.0f, 0.0f, 0.0f},
        {NNET_ACT_SIGMOID, NNET_ACT_TANH, NNET_LOSS_MAE, 1, 0.0f, 0.3f, 0.1f},
        {NNET_ACT_LEAKY_RELU, NNET_ACT_IDENTITY, NNET_LOSS_HUBER, 1, 0.0f, 0.0f, 0.0f},
        {NNET_ACT_TANH, NNET_ACT_IDENTITY, NNET_LOSS_HUBER, 1, 0.3f, 0.0f, 0.0f},
        {NNET_ACT_RELU, NNET_ACT_SIGMOID, NNET_LOSS_HUBER, 1, 0.2f, 0.4f, 0.1f},
        {NNET_ACT_RELU, NNET_ACT_SIGMOID, NNET_LOSS_BINARY_CROSS_ENTROPY, 2, 0.0f, 0.0f, 0.0f},
        {NNET_ACT_TANH, NNET_ACT_SIGMOID, NNET_LOSS_BINARY_CROSS_ENTROPY, 2, 0.0f, 0.5f, 0.1f},
        {NNET_ACT_IDENTITY, NNET_ACT_SOFTMAX, NNET_LOSS_CROSS_ENTROPY, 3, 0.0f, 0.0f, 0.0f}};
    int i;
    for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        grad_case c;
        memset(&c, 0, sizeof c);
        c.hidden = cases[i].hidden; c.output = cases[i].output; c.loss = cases[i].loss;
        c.targets = cases[i].targets; c.delta = cases[i].delta; c.dropout = cases[i].dropout; c.l2 = cases[i].l2;
        c.outputs = 3; c.n_hidden = 2 + i % 2;
        check_case(&c, 900 + (uint64_t)i);
    }
}

// L2 alone: with all data gradients known, the L2 part is exactly l2 * W on
// weights and nothing on biases.
static void l2_adds_lambda_w(void) {
    nnet_desc d;
    nnet *net;
    float x[2 * 3] = {0.5f, -1.0f, 2.0f, 1.0f, 0.0f, -0.5f}, t[2 * 3] = {1, 0, 0, 0, 0, 1}, *g0;
    int l, ok = 1;
    nnet_mat T = nnet_mat_view(2, 3, t);
    size_t k;
    double loss0, loss1, penalty = 0.0;
    memset(&d, 0, sizeof d);
    d.n_inputs = 3; d.n_layers = 2; d.sizes[0] = 4; d.sizes[1] = 3; d.seed = 9;
    net = nnet_create(&d);
    CHECK(net != NULL);
    if (!net) return;
    g0 = (float *)malloc(net->n_parameters * sizeof(float));
    CHECK_STATUS(nnet_forward(net, nnet_mat_view(2, 3, x), 0, NULL), NNET_OK);
    nnet_zero_grad(net);
    CHECK_STATUS(nnet_backward(net, nnet_mat_view(2, 3, x), T, 0.0f), NNET_OK);
    memcpy(g0, net->gradients, net->n_parameters * sizeof(float));
    CHECK_STATUS(nnet_loss_value(net, T, 0.0f, &loss0), NNET_OK);
    nnet_zero_grad(net);
    CHECK_STATUS(nnet_backward(net, nnet_mat_view(2, 3, x), T, 0.5f), NNET_OK);
    CHECK_STATUS(nnet_loss_value(net, T, 0.5f, &loss1), NNET_OK);
    for (l = 0; l < net->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        size_t off = (size_t)(layer->weight.data - net->parameters), count = (size_t)layer->n_outputs * layer->n_inputs;
        for (k = 0; k < count; k++) {
            ok &= fabs(net->gradients[off + k] - (g0[off + k] + 0.5 * net->parameters[off + k])) < 1e-6;
            penalty += (double)net->parameters[off + k] * net->parameters[off + k];
        }
        for (k = 0; k < (size_t)layer->n_outputs; k++) ok &= net->gradients[off + count + k] == g0[off + count + k];
    }
    CHECK(ok);
    CHECK_NEAR(loss1, loss0 + 0.25 * penalty, 1e-6 * (1 + loss1));
    // backward accumulates (+=): a second call without zero_grad doubles the gradient
    memcpy(g0, net->gradients, net->n_parameters * sizeof(float));
    CHECK_STATUS(nnet_backward(net, nnet_mat_view(2, 3, x), T, 0.5f), NNET_OK);
    for (k = 0; k < net->n_parameters; k++) ok &= fabs(net->gradients[k] - 2.0f * g0[k]) <= 1e-6f * (1 + fabs(g0[k]));
    CHECK(ok);
    free(g0);
    nnet_free(net);
}

int main(void) {
    RUN(gradients_every_activation_and_loss);
    RUN(gradients_dropout_and_l2);
    RUN(gradients_real_targets);
    RUN(l2_adds_lambda_w);
    return test_summary("test_gradients");
}
