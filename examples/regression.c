/* regression.c - fit a noisy 1-D function, y = sin(x) + noise on [-3, 3], with
   a 1-64-64-1 tanh network (identity output), and draw the fit as an SVG plot.
   --outliers P moves a fraction P of the training targets up by 2 to 4 (spikes);
   the robust losses then stay on sin(x) where mse is pulled up. Test R^2 with the
   defaults, seeds 1-8: no outliers, all three 0.997-0.999; --outliers 0.2,
   mse 0.13-0.27, huber 0.976-0.986 (delta 0.3; 0.84 with delta 1), mae 0.983-0.995.
   Build: cc -std=c99 -O2 -I. examples/regression.c -o examples/regression -lm
   Run:   ./examples/regression                                 (writes build/regression.svg)
          ./examples/regression --loss mae --outliers 0.2 --plot build/mae.svg
   Last line on stdout: "mse=M mae=A r2=R seconds=S", on a clean grid against sin(x).
   A bad flag: one line on stderr and exit status 2. Flags: -h or --help */
#define _POSIX_C_SOURCE 200809L   /* mkdir */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "flags.h"
#include "plot.h"
#include <sys/stat.h>

typedef struct run { int every; double seconds; } run;

// One line every `every` epochs: the loss on the noisy training set and on the clean grid.
static int on_epoch(const nnet_progress *p, void *user) {
    run *r = (run *)user;
    const nnet_epoch_stats *s = p->end_of_epoch;
    if (!s) return 0;
    r->seconds += s->seconds;
    if (s->epoch == 1 || s->epoch % r->every == 0)
        printf("epoch %4d/%d  lr %.5f  train loss %.5f  test loss %.5f\n", s->epoch, p->epochs, s->learning_rate,
               s->train_loss, s->validation_loss);
    return 0;
}

static int fail(const char *what, const char *detail) { return fprintf(stderr, "regression: %s%s\n", what, detail), 2; }

int main(int argc, char **argv) {
    const char *optimizer = "adam", *loss = "mse", *plot = "build/regression.svg";
    float lr = 0.01f, noise = 0.1f, outliers = 0.0f, delta = 0.3f;
    int hidden = 64, epochs = 300, batch = 32, seed = 1, points = 200, grid = 301, n_outliers, i, status;
    flag flags[] = {{"hidden", 'i', &hidden, "units in each of the two tanh layers", "[1,16777216]"},
        {"epochs", 'i', &epochs, "passes over the training set", "[1,1000000]"}, {"lr", 'f', &lr, "learning rate (cosine schedule)", "(0,inf)"},
        {"optimizer", 's', &optimizer, "optimiser (sgd: momentum 0.9)", "sgd|adam|adamw"}, {"loss", 's', &loss, "loss", "mse|mae|huber"},
        {"delta", 'f', &delta, "huber: quadratic up to this error (~3 x noise)", "(0,inf)"},
        {"batch", 'i', &batch, "batch size", "[1,16777216]"}, {"seed", 'i', &seed, "seed of data, weights, shuffling", NULL},
        {"points", 'i', &points, "training points", "[1,1000000]"}, {"noise", 'f', &noise, "standard deviation of the noise", "[0,inf)"},
        {"outliers", 'f', &outliers, "fraction of targets moved up by 2..4", "[0,1]"}, {"plot", 's', &plot, "SVG file to write", NULL}};
    int n_flags = (int)(sizeof flags / sizeof flags[0]);
    nnet_desc d = {0}; nnet_train_desc t = {0}; run r = {0};   // zero fields mean defaults
    nnet_dataset *train, *test; nnet *net; nnet_mat P; nnet_rng rng; nnet_regression_metrics m;
    plot_series s[3]; double *v, range[4] = {-3, 3, -1.5, 1.5};
    char text[32], title[80], data_label[48], fit_label[48], *slash;
    if ((status = parse_flags("regression", "fit y = sin(x) + noise and plot the fit", argc, argv, flags, n_flags)))
        return status < 0 ? 0 : status;
    d.loss = (nnet_loss)nnet_loss_from_name(loss); t.optimizer = (nnet_optimizer_kind)nnet_optimizer_from_name(optimizer);

    // The data: x uniform in [-3, 3], y = sin x + N(0, noise^2), the first
    // round(outliers * points) of them (random places) moved up; the test set is a clean grid.
    if (!(train = nnet_dataset_create_targets(points, 1, 1)) || !(test = nnet_dataset_create_targets(grid, 1, 1)))
        return fail(nnet_error(), "");
    nnet_rng_seed(&rng, (uint64_t)seed); n_outliers = (int)(outliers * (float)points + 0.5f);
    for (i = 0; i < points; i++) {
        float x = -3.0f + 6.0f * nnet_rng_uniform(&rng);
        train->inputs.data[i] = x;
        train->targets.data[i] = sinf(x) + noise * nnet_rng_normal(&rng);
        if (i < n_outliers) train->targets.data[i] += 2.0f + 2.0f * nnet_rng_uniform(&rng);
    }
    for (i = 0; i < grid; i++) test->targets.data[i] = sinf(test->inputs.data[i] = -3.0f + 6.0f * (float)i / (float)(grid - 1));

    // 1 -> hidden tanh -> hidden tanh -> 1 identity, Adam with a cosine schedule by default.
    d.n_inputs = 1; d.n_layers = 3; d.sizes[0] = d.sizes[1] = hidden; d.sizes[2] = 1; d.seed = (uint64_t)seed;
    d.huber_delta = delta;
    d.activations[0] = d.activations[1] = NNET_ACT_TANH; d.activations[2] = NNET_ACT_IDENTITY;
    if (!(net = nnet_create(&d))) return fail(nnet_error(), "");
    t.epochs = epochs; t.batch_size = batch; t.learning_rate = lr; t.momentum = 0.9f; t.schedule = NNET_SCHEDULE_COSINE;
    t.seed = (uint64_t)seed; t.progress = on_epoch; t.user_data = &r; r.every = epochs >= 5 ? epochs / 5 : 1;
    for (i = 0; i < n_flags; i++) printf("%s=%s%s", flags[i].name, flag_text(&flags[i], text), i < n_flags - 1 ? " " : "\n");
    printf("%d training points (%d outliers), %d test points on a grid; 1-%d-%d-1 tanh network, %zu parameters\n", points,
           n_outliers, grid, hidden, hidden, net->n_parameters);
    if ((status = nnet_train(net, train, test, &t, NULL, NULL)) != NNET_OK)
        return fprintf(stderr, "regression: %s\n", nnet_error()), status == NNET_ERR_ARGUMENT ? 2 : 1;

    // The fit on the grid, its figures against sin(x), then the plot.
    P = nnet_mat_create(grid, 1);
    if (!P.data || nnet_predict(net, test->inputs, P) || nnet_regression_metrics_compute(P, test->targets, &m))
        return fprintf(stderr, "regression: %s\n", nnet_error()), 1;
    if (!(v = (double *)malloc((size_t)(2 * points + 3 * grid) * sizeof *v)))
        return fprintf(stderr, "regression: out of memory\n"), 1;
    if (n_outliers) range[3] = 6.0;   // room for the spikes; and for any point beyond the range:
    for (i = 0; i < points; i++) {
        v[i] = train->inputs.data[i]; v[points + i] = train->targets.data[i];
        range[2] = fmin(range[2], floor(2.0 * v[points + i]) / 2.0); range[3] = fmax(range[3], ceil(2.0 * v[points + i]) / 2.0);
    }
    for (i = 0; i < grid; i++) {
        v[2 * points + i] = test->inputs.data[i];
        v[2 * points + grid + i] = test->targets.data[i];
        v[2 * points + 2 * grid + i] = P.data[i];
    }
    s[0].x = v; s[0].y = v + points; s[0].n = points; s[0].label = data_label;   // dots, thick fit, thin truth
    s[1].x = s[2].x = v + 2 * points; s[1].y = v + 2 * points + 2 * grid; s[2].y = v + 2 * points + grid;
    s[1].n = s[2].n = grid; s[1].label = fit_label; s[2].label = "sin(x)";
    snprintf(data_label, sizeof data_label, "training data (%d)", points);
    snprintf(fit_label, sizeof fit_label, "network, %s loss", loss);
    snprintf(title, sizeof title, "Fit of sin(x), %s loss: test R&#178; = %.4f", loss, m.r2);
    if ((slash = strrchr(plot, '/')) && slash != plot && slash - plot < 64) {   // make the plot's directory (one level)
        char dir[64];
        memcpy(dir, plot, (size_t)(slash - plot)); dir[slash - plot] = '\0';
        mkdir(dir, 0777);
    }
    if (plot_fit(plot, title, "x", "y", range, s, 3)) return fail("cannot write the plot ", plot);
    printf("wrote %s\n", plot);
    printf("mse=%.6f mae=%.6f r2=%.6f seconds=%.2f\n", m.mse, m.mae, m.r2, r.seconds);
    free(v); nnet_mat_free(&P); nnet_free(net); nnet_dataset_free(train); nnet_dataset_free(test);
    return 0;
}
