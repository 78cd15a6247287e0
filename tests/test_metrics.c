/* tests/test_metrics.c - accuracy, ROC AUC and average precision on small
   hand-computed cases (with ties) and against brute-force definitions, and
   the classification report: per-class precision/recall/F1/support, macro
   and weighted averages, one-vs-rest scores, and the printed layout. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

static void roc_auc_and_ap_by_hand(void) {
    // no ties: sorted 1 0 1 1 0 0. AUC: the positives beat 3, 2, 2 of the 3
    // negatives = 7/9. AP: precision 1/1, 2/3, 3/4 at each positive = 29/36.
    float s1[6] = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f};
    int p1[6] = {1, 0, 1, 1, 0, 0};
    // ties: positives 0.8 0.5 0.5, negatives 0.8 0.5 0.2 (ties count 1/2):
    // AUC = (2.5 + 1.5 + 1.5) / 9 = 11/18. AP over the thresholds 0.8, 0.5, 0.2:
    // recall 1/3 at precision 1/2, then recall 1 at precision 3/5 -> 1/6 + 2/5 = 17/30
    float s2[6] = {0.8f, 0.8f, 0.5f, 0.5f, 0.5f, 0.2f};
    int p2[6] = {1, 0, 1, 1, 0, 0};
    // unsorted input, nonzero flags other than 1 count as positive
    float s3[5] = {0.1f, 0.4f, 0.35f, 0.8f, 0.35f};
    int p3[5] = {0, 0, 7, 2, 0};
    float tied[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    int half[4] = {1, 0, 1, 0}, none[4] = {0, 0, 0, 0}, all[4] = {1, 1, 1, 1};
    float worst[3] = {0.9f, 0.8f, 0.1f};
    int last[3] = {0, 0, 1};
    CHECK_NEAR(nnet_roc_auc(s1, p1, 6), 7.0 / 9.0, 1e-12);
    CHECK_NEAR(nnet_average_precision(s1, p1, 6), 29.0 / 36.0, 1e-12);
    CHECK_NEAR(nnet_roc_auc(s2, p2, 6), 11.0 / 18.0, 1e-12);
    CHECK_NEAR(nnet_average_precision(s2, p2, 6), 17.0 / 30.0, 1e-12);
    // s3 sorted: 0.8(+) 0.4(-) 0.35(+) 0.35(-) 0.1(-). AUC: 0.8 beats 3; 0.35
    // beats 0.1, ties 0.35 -> 1.5; (3 + 1.5) / 6 = 3/4. AP: threshold 0.8 gives
    // R 1/2 at P 1; 0.4 adds nothing; 0.35 gives R 1 at P 2/4 -> 1/2 + 1/4 = 3/4
    CHECK_NEAR(nnet_roc_auc(s3, p3, 5), 0.75, 1e-12);
    CHECK_NEAR(nnet_average_precision(s3, p3, 5), 0.75, 1e-12);
    CHECK_NEAR(nnet_roc_auc(tied, half, 4), 0.5, 1e-12);
    CHECK_NEAR(nnet_average_precision(tied, half, 4), 0.5, 1e-12);
    CHECK(isnan(nnet_roc_auc(s1, p1, 1)));                      // one sample: one class only
    CHECK_NEAR(nnet_roc_auc(worst, last, 3), 0.0, 1e-12);
    CHECK_NEAR(nnet_average_precision(worst, last, 3), 1.0 / 3.0, 1e-12);
    CHECK(isnan(nnet_roc_auc(s1, all, 4)) && isnan(nnet_roc_auc(s1, none, 4)));
    CHECK(isnan(nnet_average_precision(s1, none, 4)));
    CHECK_NEAR(nnet_average_precision(s1, all, 4), 1.0, 1e-12);
    CHECK(isnan(nnet_roc_auc(NULL, p1, 6)) && isnan(nnet_roc_auc(s1, NULL, 6)) && isnan(nnet_roc_auc(s1, p1, 0)));
    CHECK(isnan(nnet_average_precision(NULL, p1, 6)) && isnan(nnet_average_precision(s1, p1, -1)));
}

// Brute force, straight from the definitions: AUC over all positive-negative
// pairs; AP over every distinct threshold t of (R(t) - R(previous)) P(t).
static double auc_pairs(const float *s, const int *pos, int n) {
    double wins = 0.0;
    long pairs = 0;
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            if (pos[i] && !pos[j]) { pairs++; wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0; }
    return wins / (double)pairs;
}

static double ap_thresholds(const float *s, const int *pos, int n) {
    double ap = 0.0, previous = 0.0, t = INFINITY;
    int i, positives = 0;
    for (i = 0; i < n; i++) positives += pos[i] != 0;
    for (;;) {
        double next = -INFINITY;   // the largest score below t
        int tp = 0, predicted = 0;
        for (i = 0; i < n; i++) if (s[i] < t && s[i] > next) next = s[i];
        if (next == -INFINITY) break;
        t = next;
        for (i = 0; i < n; i++) if (s[i] >= t) { predicted++; tp += pos[i] != 0; }
        ap += ((double)tp / positives - previous) * tp / predicted;
        previous = (double)tp / positives;
    }
    return ap;
}

static void metrics_match_definitions(void) {
    float s[300];
    int pos[300], trial, i;
    nnet_rng rng;
    nnet_rng_seed(&rng, 3);
    for (trial = 0; trial < 20; trial++) {
        int n = 2 + (int)nnet_rng_below(&rng, 299), levels = trial % 2 ? 5 : 1000;   // odd trials: heavy ties
        for (i = 0; i < n; i++) {
            pos[i] = nnet_rng_uniform(&rng) < 0.3f;
            s[i] = (float)nnet_rng_below(&rng, (uint32_t)levels) / levels + 0.3f * pos[i];
        }
        pos[0] = 1; pos[1] = 0;
        CHECK_NEAR(nnet_roc_auc(s, pos, n), auc_pairs(s, pos, n), 1e-9);
        CHECK_NEAR(nnet_average_precision(s, pos, n), ap_thresholds(s, pos, n), 1e-9);
    }
}

static void accuracy_values(void) {
    int a[4] = {0, 1, 2, 1}, b[4] = {0, 1, 1, 1};
    CHECK_NEAR(nnet_accuracy(a, b, 4), 0.75, 1e-12);
    CHECK_NEAR(nnet_accuracy(a, a, 4), 1.0, 1e-12);
    CHECK(isnan(nnet_accuracy(a, b, 0)) && isnan(nnet_accuracy(NULL, b, 4)));
}

// 3 classes, 10 samples. Confusion (true down, predicted across):
//   2 1 1 | 4        precision 2/3 1/2 2/3   recall 1/2 2/3 2/3
//   1 2 0 | 3        f1 4/7 4/7 2/3          accuracy 6/10
//   0 1 2 | 3        macro P = R = 11/18, macro F1 = 38/63
//   3 4 3            weighted P = 37/60, weighted R = weighted F1 = 3/5
static const int report_labels[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
static const int report_predicted[10] = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};

static void report_values(void) {
    nnet_report *r = nnet_report_create(report_labels, report_predicted, NULL, 10, 3);
    static const int confusion[9] = {2, 1, 1, 1, 2, 0, 0, 1, 2}, support[3] = {4, 3, 3};
    static const double precision[3] = {2.0 / 3, 0.5, 2.0 / 3}, recall[3] = {0.5, 2.0 / 3, 2.0 / 3},
                        f1[3] = {4.0 / 7, 4.0 / 7, 2.0 / 3};
    int c;
    CHECK(r != NULL);
    if (!r) return;
    CHECK(r->n_classes == 3 && r->n_samples == 10);
    for (c = 0; c < 9; c++) CHECK(r->confusion[c] == confusion[c]);
    for (c = 0; c < 3; c++) {
        CHECK(r->support[c] == support[c]);
        CHECK_NEAR(r->precision[c], precision[c], 1e-12);
        CHECK_NEAR(r->recall[c], recall[c], 1e-12);
        CHECK_NEAR(r->f1[c], f1[c], 1e-12);
        CHECK(isnan(r->roc_auc[c]) && isnan(r->average_precision[c]));
    }
    CHECK_NEAR(r->accuracy, 0.6, 1e-12);
    CHECK_NEAR(r->macro_precision, 11.0 / 18, 1e-12);
    CHECK_NEAR(r->macro_recall, 11.0 / 18, 1e-12);
    CHECK_NEAR(r->macro_f1, 38.0 / 63, 1e-12);
    CHECK_NEAR(r->weighted_precision, 37.0 / 60, 1e-12);
    CHECK_NEAR(r->weighted_recall, 0.6, 1e-12);
    CHECK_NEAR(r->weighted_f1, 0.6, 1e-12);
    CHECK(isnan(r->macro_roc_auc) && isnan(r->macro_average_precision));
    nnet_report_free(r);
    nnet_report_free(NULL);
}

// A class that is never predicted has precision 0 (no division by zero),
// as scikit-learn reports it with zero_division=0.
static void report_class_never_predicted(void) {
    int labels[4] = {0, 1, 2, 2}, predicted[4] = {0, 1, 1, 1};
    nnet_report *r = nnet_report_create(labels, predicted, NULL, 4, 3);
    CHECK(r != NULL);
    if (!r) return;
    CHECK(r->precision[2] == 0.0 && r->recall[2] == 0.0 && r->f1[2] == 0.0 && r->support[2] == 2);
    CHECK_NEAR(r->precision[1], 1.0 / 3, 1e-12);
    CHECK_NEAR(r->macro_f1, (1.0 + 0.5) / 3, 1e-12);
    nnet_report_free(r);
}

static void report_with_scores(void) {
    float scores[10 * 3], column[10], binary[10] = {0.1f, 0.3f, 0.35f, 0.8f, 0.6f, 0.2f, 0.9f, 0.7f, 0.4f, 0.55f}, flipped[10];
    int is_positive[10], binary_labels[10] = {0, 0, 1, 1, 1, 0, 1, 1, 0, 0}, binary_pred[10], i, c;
    nnet_mat S = nnet_mat_view(10, 3, scores), B1 = nnet_mat_view(10, 1, binary);
    nnet_report *r;
    nnet_rng rng;
    double macro_auc = 0.0, macro_ap = 0.0;
    nnet_rng_seed(&rng, 9);
    for (i = 0; i < 30; i++) scores[i] = nnet_rng_uniform(&rng);
    r = nnet_report_create(report_labels, report_predicted, &S, 10, 3);
    CHECK(r != NULL);
    if (!r) return;
    for (c = 0; c < 3; c++) {   // one-vs-rest, column c
        for (i = 0; i < 10; i++) { column[i] = scores[3 * i + c]; is_positive[i] = report_labels[i] == c; }
        CHECK_NEAR(r->roc_auc[c], nnet_roc_auc(column, is_positive, 10), 1e-12);
        CHECK_NEAR(r->average_precision[c], nnet_average_precision(column, is_positive, 10), 1e-12);
        macro_auc += r->roc_auc[c] / 3; macro_ap += r->average_precision[c] / 3;
    }
    CHECK_NEAR(r->macro_roc_auc, macro_auc, 1e-12);
    CHECK_NEAR(r->macro_average_precision, macro_ap, 1e-12);
    nnet_report_free(r);
    // one sigmoid output: class 1 is scored by p, class 0 by 1 - p
    for (i = 0; i < 10; i++) { binary_pred[i] = binary[i] >= 0.5f; flipped[i] = 1.0f - binary[i]; is_positive[i] = !binary_labels[i]; }
    r = nnet_report_create(binary_labels, binary_pred, &B1, 10, 2);
    CHECK(r != NULL);
    if (!r) return;
    CHECK_NEAR(r->roc_auc[1], nnet_roc_auc(binary, binary_labels, 10), 1e-12);
    CHECK_NEAR(r->roc_auc[0], nnet_roc_auc(flipped, is_positive, 10), 1e-12);
    CHECK_NEAR(r->roc_auc[0], r->roc_auc[1], 1e-12);   // no ties: the same ranking reversed
    CHECK_NEAR(r->average_precision[0], nnet_average_precision(flipped, is_positive, 10), 1e-12);
    // positives 0.35 0.8 0.6 0.9 0.7 vs negatives 0.1 0.3 0.2 0.4 0.55: only 0.35 loses (to 0.4 and 0.55) -> 23/25
    CHECK_NEAR(r->roc_auc[1], 23.0 / 25.0, 1e-12);
    nnet_report_free(r);
}

static void report_errors(void) {
    float scores[10 * 3] = {0};
    int bad[10] = {0, 0, 0, 5, 1, 1, 1, 2, 2, 2};
    nnet_mat S = nnet_mat_view(9, 3, scores), S2 = nnet_mat_view(10, 1, scores);
    nnet_report *r;
    r = nnet_report_create(NULL, report_predicted, NULL, 10, 3);
    CHECK(r == NULL && strstr(nnet_error(), "nnet_report_create"));
    r = nnet_report_create(report_labels, report_predicted, NULL, 0, 3);
    CHECK(r == NULL && strstr(nnet_error(), "0 samples"));
    r = nnet_report_create(report_labels, report_predicted, NULL, 10, 1);
    CHECK(r == NULL && strstr(nnet_error(), "1 classes"));
    r = nnet_report_create(bad, report_predicted, NULL, 10, 3);
    CHECK(r == NULL && strstr(nnet_error(), "sample 3 has label 5"));
    r = nnet_report_create(report_labels, bad, NULL, 10, 3);
    CHECK(r == NULL && strstr(nnet_error(), "prediction 5"));
    r = nnet_report_create(report_labels, report_predicted, &S, 10, 3);
    CHECK(r == NULL && strstr(nnet_error(), "scores are 9x3, expected 10x3"));
    r = nnet_report_create(report_labels, report_predicted, &S2, 10, 3);   // 1 column only for 2 classes
    CHECK(r == NULL && strstr(nnet_error(), "scores are 10x1"));
}

// Read a whole tmpfile back as a string.
static char *slurp(FILE *f) {
    long size;
    char *text;
    fflush(f);
    size = ftell(f);
    rewind(f);
    text = (char *)calloc((size_t)size + 1, 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) text[0] = 0;
    return text;
}

static void report_print_layout(void) {
    nnet_report *r = nnet_report_create(report_labels, report_predicted, NULL, 10, 3);
    FILE *f = tmpfile();
    char *text;
    CHECK(r != NULL && f != NULL);
    if (!r || !f) { nnet_report_free(r); if (f) fclose(f); return; }
    nnet_report_print(f, r);
    nnet_confusion_print(f, r);
    text = slurp(f);
    CHECK(text != NULL);
    if (text) {
        CHECK(strstr(text, "   precision    recall  f1-score   support\n") != NULL);
        CHECK(strstr(text, "\n           0     0.6667    0.5000    0.5714         4\n") != NULL);
        CHECK(strstr(text, "\n           1     0.5000    0.6667    0.5714         3\n") != NULL);
        CHECK(strstr(text, "\n           2     0.6667    0.6667    0.6667         3\n") != NULL);
        CHECK(strstr(text, "\n    accuracy                         0.6000        10\n") != NULL);
        CHECK(strstr(text, "\n   macro avg     0.6111    0.6111    0.6032        10\n") != NULL);
        CHECK(strstr(text, "\nweighted avg     0.6167    0.6000    0.6000        10\n") != NULL);
        CHECK(strstr(text, "roc-auc") == NULL);
        CHECK(strstr(text, "true\\pred     0     1     2\n") != NULL);
        CHECK(strstr(text, "\n        0     2     1     1\n        1     1     2     0\n        2     0     1     2\n") != NULL);
        if (test_current_failures) printf("%s", text);
    }
    free(text);
    fclose(f);
    nnet_report_free(r);
    {   // with scores: two more columns
        float scores[10 * 3];
        int i;
        nnet_mat S = nnet_mat_view(10, 3, scores);
        for (i = 0; i < 30; i++) scores[i] = (float)((i * 7) % 11) / 11.0f;
        r = nnet_report_create(report_labels, report_predicted, &S, 10, 3);
        f = tmpfile();
        CHECK(r != NULL && f != NULL);
        if (!r || !f) { nnet_report_free(r); if (f) fclose(f); return; }
        nnet_report_print(f, r);
        text = slurp(f);
        CHECK(text && strstr(text, "support   roc-auc  avg-prec\n"));
        CHECK(text && strstr(text, "   macro avg     0.6111    0.6111    0.6032        10"));
        free(text);
        fclose(f);
        nnet_report_free(r);
    }
}

int main(void) {
    RUN(roc_auc_and_ap_by_hand);
    RUN(metrics_match_definitions);
    RUN(accuracy_values);
    RUN(report_values);
    RUN(report_class_never_predicted);
    RUN(report_with_scores);
    RUN(report_errors);
    RUN(report_print_layout);
    return test_summary("test_metrics");
}
