/* tests/test_curves.c - nnet_roc_curve and nnet_pr_curve: hand-worked points,
   ties, agreement with nnet_roc_auc / nnet_average_precision, bad input. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

// Six samples, three positive, distinct scores; the points worked out by hand.
static void hand_worked_points(void) {
    const float scores[6] = {0.9f, 0.8f, 0.7f, 0.6f, 0.55f, 0.4f};
    const int positive[6] = {1, 1, 0, 1, 0, 0};
    const double fpr[7] = {0, 0, 0, 1 / 3.0, 1 / 3.0, 2 / 3.0, 1}, tpr[7] = {0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1, 1, 1};
    const double rec[7] = {0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1, 1, 1}, pre[7] = {1, 1, 1, 2 / 3.0, 0.75, 0.6, 0.5};
    double x[7], y[7];
    int n = -1, k;
    CHECK_STATUS(nnet_roc_curve(scores, positive, 6, x, y, &n), NNET_OK);
    CHECK(n == 7);
    for (k = 0; k < 7 && n == 7; k++) { CHECK_NEAR(x[k], fpr[k], 1e-12); CHECK_NEAR(y[k], tpr[k], 1e-12); }
    CHECK_STATUS(nnet_pr_curve(scores, positive, 6, x, y, &n), NNET_OK);
    CHECK(n == 7);
    for (k = 0; k < 7 && n == 7; k++) { CHECK_NEAR(x[k], rec[k], 1e-12); CHECK_NEAR(y[k], pre[k], 1e-12); }
}

// Tied scores cross the threshold together: one point for the tie.
static void ties_give_one_point(void) {
    const float scores[3] = {0.5f, 0.5f, 0.2f};
    const int positive[3] = {1, 0, 1};
    double x[4], y[4];
    int n = -1;
    CHECK_STATUS(nnet_roc_curve(scores, positive, 3, x, y, &n), NNET_OK);
    CHECK(n == 3);
    CHECK_NEAR(x[1], 1.0, 1e-12); CHECK_NEAR(y[1], 0.5, 1e-12);
    CHECK_NEAR(x[2], 1.0, 1e-12); CHECK_NEAR(y[2], 1.0, 1e-12);
    CHECK_STATUS(nnet_pr_curve(scores, positive, 3, x, y, &n), NNET_OK);
    CHECK(n == 3);
    CHECK_NEAR(x[1], 0.5, 1e-12); CHECK_NEAR(y[1], 0.5, 1e-12);
    CHECK_NEAR(x[2], 1.0, 1e-12); CHECK_NEAR(y[2], 2 / 3.0, 1e-12);
}

// The trapezoid area under the ROC points is the AUC; the step sum under the
// PR points is the average precision (random scores with many ties).
static void areas_match_the_metrics(void) {
    enum { N = 500 };
    float scores[N];
    int positive[N], i, n;
    double x[N + 1], y[N + 1], area = 0.0, ap = 0.0;
    nnet_rng rng;
    nnet_rng_seed(&rng, 7);
    for (i = 0; i < N; i++) {
        positive[i] = nnet_rng_uniform(&rng) < 0.3f;
        scores[i] = (float)(int)(20.0f * (nnet_rng_uniform(&rng) + 0.4f * (float)positive[i])) / 20.0f;
    }
    CHECK_STATUS(nnet_roc_curve(scores, positive, N, x, y, &n), NNET_OK);
    CHECK(n > 10 && n < N);
    for (i = 1; i < n; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0;
    CHECK_NEAR(area, nnet_roc_auc(scores, positive, N), 1e-9);
    CHECK(x[n - 1] == 1.0 && y[n - 1] == 1.0);
    CHECK_STATUS(nnet_pr_curve(scores, positive, N, x, y, &n), NNET_OK);
    for (i = 1; i < n; i++) ap += (x[i] - x[i - 1]) * y[i];
    CHECK_NEAR(ap, nnet_average_precision(scores, positive, N), 1e-9);
    CHECK(x[n - 1] == 1.0);
}

static void bad_input(void) {
    const float scores[3] = {0.1f, 0.2f, 0.3f};
    const int all[3] = {1, 1, 1}, none[3] = {0, 0, 0};
    double x[4], y[4];
    int n = 5;
    CHECK_ERROR(nnet_roc_curve(scores, all, 3, x, y, &n), NNET_ERR_ARGUMENT, "both classes");
    CHECK(n == 0);
    CHECK_STATUS(nnet_pr_curve(scores, all, 3, x, y, &n), NNET_OK);
    CHECK_ERROR(nnet_pr_curve(scores, none, 3, x, y, &n), NNET_ERR_ARGUMENT, "nnet_pr_curve");
    CHECK_ERROR(nnet_roc_curve(NULL, all, 3, x, y, &n), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_pr_curve(scores, all, 0, x, y, &n), NNET_ERR_ARGUMENT, "n = 0");
}

int main(void) {
    RUN(hand_worked_points);
    RUN(ties_give_one_point);
    RUN(areas_match_the_metrics);
    RUN(bad_input);
    return test_summary("test_curves");
}
