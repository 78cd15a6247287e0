/* plot.h - SVG plots and the CSV history of a training run, for the examples.
   Include after nnet.h. Every function returns 0, or -1 if a file could not
   be written (errno says why). The SVG files open in any web browser.
      plot_history_csv(path, history, n, name)  epoch,train_loss,...  one row per epoch
      plot_history(dir, history, n, name)       dir/history.svg: loss and accuracy, train vs `name`
      plot_confusion(dir, report)               dir/confusion.svg: heatmap, rows = true class
      plot_curves(dir, P, labels, roc)          dir/roc.svg or dir/pr.svg: one curve per class
      plot_fit(path, title, ..., s, n)          path: data as dots, a fit as a thick line, thin reference curves */
#ifndef PLOT_H_INCLUDED
#define PLOT_H_INCLUDED
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__GNUC__) || defined(__clang__)
#define PLOT_FN static __attribute__((unused))
#else
#define PLOT_FN static
#endif

typedef struct plot_series { const double *x, *y; int n; const char *label; } plot_series;

// Open dir/name, or name itself when dir is NULL, and write the SVG header.
static FILE *plot__open(const char *dir, const char *name, int width, int height) {
    char path[1024];
    FILE *f;
    snprintf(path, sizeof path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    if (!(f = fopen(path, "w"))) return NULL;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height, width, height);
    return f;
}

static int plot__close(FILE *f) {
    fprintf(f, "</svg>\n");
    return fclose(f) ? -1 : 0;
}

// One chart at (left, top), w x h pixels of plot area: frame, grid, tick labels,
// title, axis labels, one polyline per series (dots when few points), legend
// to the right of the area (if PLOT_LEGEND), the dashed diagonal (if
// PLOT_DIAGONAL, for ROC). Lines are clipped to the area, so a range can zoom.
// PLOT_SCATTER: series 0 is data, grey dots without a line; series 1 (a fit)
// is a thick line, and the others are thin lines drawn over it.
enum { PLOT_LEGEND = 1, PLOT_DIAGONAL = 2, PLOT_SCATTER = 4 };
static void plot__chart(FILE *f, double left, double top, double w, double h, const char *title, const char *xlabel,
                        const char *ylabel, const double range[4], const plot_series *s, int n_series, int options) {
    static const char *const colors[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    double x0 = range[0], x1 = range[1], y0 = range[2], y1 = range[3];
    int i, k;
#define PLOT_X(v) (left + ((v) - x0) / (x1 - x0) * w)
#define PLOT_Y(v) (top + h - ((v) - y0) / (y1 - y0) * h)
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
            left + w / 2, top - 10, title);
    for (i = 0; i <= 5; i++) {
        double gx = x0 + (x1 - x0) * i / 5, gy = y0 + (y1 - y0) * i / 5;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", PLOT_X(gx), top, PLOT_X(gx), top + h);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n", left, PLOT_Y(gy), left + w, PLOT_Y(gy));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>\n", PLOT_X(gx), top + h + 16, gx);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", left - 6, PLOT_Y(gy) + 4, gy);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", left, top, w, h);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", left + w / 2, top + h + 36, xlabel);
    fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>\n", left - 46,
            top + h / 2, ylabel);
    fprintf(f, "<clipPath id=\"area%d_%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n"
               "<g clip-path=\"url(#area%d_%d)\">\n", (int)left, (int)top, left - 3, top - 3, w + 6, h + 6, (int)left, (int)top);
    if (options & PLOT_DIAGONAL)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n",
                PLOT_X(x0), PLOT_Y(y0), PLOT_X(x1), PLOT_Y(y1));
#define PLOT_DOTS(k) ((options & PLOT_SCATTER) && (k) == 0)
#define PLOT_COLOR(k) (PLOT_DOTS(k) ? "#999" : colors[((k) - !!(options & PLOT_SCATTER)) % 10])
#define PLOT_WIDTH(k) (!(options & PLOT_SCATTER) ? 1.8 : (k) == 1 ? 3.5 : 1.2)
    for (k = 0; k < n_series; k++) {
        const char *color = PLOT_COLOR(k);
        for (i = 0; PLOT_DOTS(k) && i < s[k].n; i++)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>\n", PLOT_X(s[k].x[i]), PLOT_Y(s[k].y[i]), color);
        if (PLOT_DOTS(k)) continue;
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%g\" points=\"", color, PLOT_WIDTH(k));
        for (i = 0; i < s[k].n; i++) fprintf(f, "%.1f,%.1f ", PLOT_X(s[k].x[i]), PLOT_Y(s[k].y[i]));
        fprintf(f, "\"/>\n");
        for (i = 0; s[k].n <= 40 && i < s[k].n; i++)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", PLOT_X(s[k].x[i]), PLOT_Y(s[k].y[i]), color);
    }
    fprintf(f, "</g>\n");
    for (k = 0; (options & PLOT_LEGEND) && k < n_series; k++) {
        const char *color = PLOT_COLOR(k);
        if (PLOT_DOTS(k))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", left + w + 21, top + 10 + 18.0 * k, color);
        else   // legend lines at least 2 wide, 3 outside scatter plots
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%g\"/>\n", left + w + 12,
                    top + 10 + 18 * k, left + w + 30, top + 10 + 18 * k, color, options & PLOT_SCATTER ? fmax(PLOT_WIDTH(k), 2.0) : 3.0);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", left + w + 36, top + 14 + 18 * k, s[k].label);
    }
#undef PLOT_X
#undef PLOT_Y
#undef PLOT_DOTS
#undef PLOT_COLOR
#undef PLOT_WIDTH
}

// The smallest of 1, 1.5, 2, 2.5, 4, 5, 10 times a power of ten that is >= v,
// so that fifths of the axis get short labels.
static double plot__nice(double v) {
    static const double steps[7] = {1, 1.5, 2, 2.5, 4, 5, 10};
    double scale;
    int i;
    if (!(v > 0) || !isfinite(v)) return 1;
    scale = pow(10, floor(log10(v)));
    for (i = 0; i < 6 && steps[i] * scale < v; i++) {}
    return steps[i] * scale;
}

PLOT_FN int plot_history_csv(const char *path, const nnet_epoch_stats *h, int n, const char *name) {
    FILE *f = fopen(path, "w");
    int i;
    if (!f) return -1;
    fprintf(f, "epoch,train_loss,train_accuracy,%s_loss,%s_accuracy,learning_rate,seconds\n", name, name);
    for (i = 0; i < n; i++)
        fprintf(f, "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f\n", h[i].epoch, h[i].train_loss, h[i].train_accuracy,
                h[i].validation_loss, h[i].validation_accuracy, h[i].learning_rate, h[i].seconds);
    return fclose(f) ? -1 : 0;
}

PLOT_FN int plot_history(const char *dir, const nnet_epoch_stats *h, int n, const char *name) {
    double *v = (double *)malloc(5 * (size_t)(n > 0 ? n : 1) * sizeof(double)), range[4], low = 1.0, high = 0.0;
    plot_series loss[2], acc[2];
    FILE *f;
    int i;
    if (!v || !(f = plot__open(dir, "history.svg", 900, 380))) { free(v); return -1; }
    for (i = 0; i < n; i++) {   // epochs, then the four curves
        v[i] = h[i].epoch; v[n + i] = h[i].train_loss; v[2 * n + i] = h[i].validation_loss;
        v[3 * n + i] = h[i].train_accuracy; v[4 * n + i] = h[i].validation_accuracy;
        high = fmax(high, fmax(h[i].train_loss, h[i].validation_loss));
        low = fmin(low, fmin(h[i].train_accuracy, h[i].validation_accuracy));
    }
    for (i = 0; i < 2; i++) {
        loss[i].x = acc[i].x = v; loss[i].n = acc[i].n = n; loss[i].label = acc[i].label = i ? name : "train";
        loss[i].y = v + (1 + i) * n; acc[i].y = v + (3 + i) * n;
    }
    if (n > 0 && isnan(h[0].validation_loss)) loss[1].n = acc[1].n = 0;   // no validation set
    range[0] = 0; range[1] = n > 5 ? (n + 4) / 5 * 5 : 5; range[2] = 0; range[3] = plot__nice(high);
    plot__chart(f, 70, 40, 300, 280, "Loss", "epoch", "loss", range, loss, 2, PLOT_LEGEND);
    range[2] = 1 - plot__nice(fmin(1 - low, 1)); range[3] = 1;
    plot__chart(f, 520, 40, 300, 280, "Accuracy", "epoch", "accuracy", range, acc, 2, PLOT_LEGEND);
    free(v);
    return plot__close(f);
}

PLOT_FN int plot_confusion(const char *dir, const nnet_report *r) {
    int C = r->n_classes, cell = C <= 10 ? 44 : 440 / C, size = 120 + C * cell, i, j;
    FILE *f = plot__open(dir, "confusion.svg", size + 40, size + 30);
    if (!f) return -1;
    fprintf(f, "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">Confusion matrix "
               "(accuracy %.2f%%)</text>\n", 100 + C * cell / 2, 100.0 * r->accuracy);
    fprintf(f, "<text x=\"%d\" y=\"52\" text-anchor=\"middle\">predicted class</text>\n", 100 + C * cell / 2);
    fprintf(f, "<text transform=\"translate(40 %d) rotate(-90)\" text-anchor=\"middle\">true class</text>\n", 80 + C * cell / 2);
    for (i = 0; i < C; i++) {
        fprintf(f, "<text x=\"%d\" y=\"74\" text-anchor=\"middle\">%d</text>\n", 100 + i * cell + cell / 2, i);
        fprintf(f, "<text x=\"90\" y=\"%d\" text-anchor=\"end\">%d</text>\n", 80 + i * cell + cell / 2 + 4, i);
        for (j = 0; j < C; j++) {   // shade by the fraction of the true class's samples
            int count = r->confusion[i * C + j];
            double t = r->support[i] ? (double)count / r->support[i] : 0.0, s = t > 0 ? 0.15 + 0.85 * sqrt(t) : 0.0;
            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" stroke=\"#ddd\"/>\n",
                    100 + j * cell, 80 + i * cell, cell, cell, (int)(255 - 247 * s), (int)(255 - 207 * s), (int)(255 - 148 * s));
            if (count && cell >= 24)
                fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%d</text>\n", 100 + j * cell + cell / 2,
                        80 + i * cell + cell / 2 + 4, s > 0.6 ? "white" : "black", count);
        }
    }
    return plot__close(f);
}

// One-vs-rest curves of every class from the scores P (N, C), or (N, 1) for a
// single sigmoid output (class 1 scored p, class 0 scored 1 - p).
PLOT_FN int plot_curves(const char *dir, nnet_mat P, const int *labels, int roc) {
    int N = P.rows, C = P.cols == 1 ? 2 : P.cols, c, i, status = 0;
    size_t points = (size_t)(N + 1) * (size_t)C;
    double *xy = (double *)malloc(2 * points * sizeof(double)), range[4] = {0, 1, 0, 1}, area;
    float *score = (float *)malloc((size_t)N * sizeof(float));
    int *positive = (int *)malloc((size_t)N * sizeof(int));
    plot_series *s = (plot_series *)malloc((size_t)C * sizeof *s);
    char (*label)[40] = (char (*)[40])malloc((size_t)C * 40);
    FILE *f = NULL;
    if (!xy || !score || !positive || !s || !label || !(f = plot__open(dir, roc ? "roc.svg" : "pr.svg", 920, 400))) status = -1;
    for (c = 0; c < C && !status; c++) {
        double *x = xy + (size_t)c * (size_t)(N + 1), *y = x + points;
        for (i = 0; i < N; i++) {
            float p = P.cols == 1 ? P.data[i] : NNET_AT(P, i, c);
            score[i] = P.cols == 1 && c == 0 ? 1.0f - p : p;
            positive[i] = labels[i] == c;
        }
        s[c].x = x; s[c].y = y; s[c].label = label[c];
        if ((roc ? nnet_roc_curve : nnet_pr_curve)(score, positive, N, x, y, &s[c].n)) { s[c].n = 0; area = NAN; }
        else area = roc ? nnet_roc_auc(score, positive, N) : nnet_average_precision(score, positive, N);
        snprintf(label[c], 40, "%d (%s %.4f)", c, roc ? "AUC" : "AP", area);
    }
    if (!status) {   // the whole curves, then the corner where good classifiers live, enlarged
        const char *x_name = roc ? "false positive rate" : "recall", *y_name = roc ? "true positive rate" : "precision";
        double corner[4] = {0, 0.1, 0.8, 1};
        if (!roc) corner[0] = 0.8, corner[1] = 1;
        plot__chart(f, 70, 40, 300, 300, roc ? "ROC, one class vs rest" : "Precision-recall, one class vs rest",
                    x_name, y_name, range, s, C, roc ? PLOT_DIAGONAL : 0);
        plot__chart(f, 460, 40, 300, 300, roc ? "Top-left corner, enlarged" : "Top-right corner, enlarged",
                    x_name, y_name, corner, s, C, PLOT_LEGEND | (roc ? PLOT_DIAGONAL : 0));
    }
    if (f && plot__close(f)) status = -1;
    free(xy); free(score); free(positive); free(s); free(label);
    return status;
}

// A fit, as one chart in the file `path`: s[0] is the data (x_i, y_i) drawn
// as dots, s[1] the fitted curve drawn thick, s[2..n-1] thin curves over it
// (e.g. the true function). range is {x0, x1, y0, y1}; what lies outside is clipped.
PLOT_FN int plot_fit(const char *path, const char *title, const char *xlabel, const char *ylabel,
                     const double range[4], const plot_series *s, int n) {
    FILE *f = plot__open(NULL, path, 780, 420);
    if (!f) return -1;
    plot__chart(f, 70, 40, 480, 320, title, xlabel, ylabel, range, s, n, PLOT_LEGEND | PLOT_SCATTER);
    return plot__close(f);
}
#endif
