/* quantize.c - turn a trained MNIST model into an int8 C header for a
   microcontroller, and compare the int8 network with the float one.
   Build: cc -std=c99 -O3 -I. examples/quantize.c -o examples/quantize -lstb -lm
   Run:   ./examples/quantize --model mnist.nnet --data data/mnist-sample --out build/int8
   It calibrates on the first --calibration training samples, prints float and
   int8 accuracy on the test set and how often they agree, and writes into
   --out: model.h (nnet_export_int8_c), digits.h (the first --digits test
   digits as int8 codes, with labels) and expected.txt, what examples/mcu/main.c
   must print for them: the int8 predictions of nnet.h's own int8 code.
   `make test-mcu` runs it, then main.c on the host and on an emulated
   Cortex-M4, and checks all three print the same (docs/microcontrollers.md).
   A bad flag or file: one line on stderr and exit status 2. Flags: --help */
#define _POSIX_C_SOURCE 200809L   /* mkstemp (flags.h) */
#include <stb/stb_image.h>   /* lets nnet.h read the .gz MNIST files (link -lstb) */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "flags.h"

static int fail(const char *what, const char *detail) { fprintf(stderr, "quantize: %s%s\n", what, detail); return 2; }

// The loader keeps the images as bytes; the int8 functions read rows of
// floats, so each set is swapped for its float copy.
static nnet_dataset *as_floats(nnet_dataset *data) {
    nnet_dataset *copy = nnet_dataset_as_floats(data);
    nnet_dataset_free(data);
    return copy;
}

// digits.h: the codes and labels of the first n test digits. The linker
// script of examples/mcu puts them in a memory of their own (.rodata.test_*).
static int write_digits(const char *path, const nnet_int8 *q, const nnet_dataset *test, int n, int8_t *codes) {
    FILE *f = fopen(path, "w");
    int i, k;
    if (!f) return 1;
    fprintf(f, "/* The first %d test digits as int8 codes of the model's input, and their labels:\n"
               "   written by examples/quantize.c. */\n#include <stdint.h>\n#define TEST_DIGITS %d\n"
               "static const int8_t test_digits[%d][%d] = {\n", n, n, n, q->n_inputs);
    for (i = 0; i < n; i++) {
        nnet_int8_quantize_input(q, &NNET_AT(test->inputs, i, 0), codes);
        fprintf(f, "    {");
        for (k = 0; k < q->n_inputs; k++) fprintf(f, "%d%s", codes[k], k + 1 < q->n_inputs ? (k % 28 == 27 ? ",\n     " : ",") : "}");
        fprintf(f, "%s\n", i + 1 < n ? "," : "");
    }
    fprintf(f, "};\nstatic const uint8_t test_labels[%d] = {", n);
    for (i = 0; i < n; i++) fprintf(f, "%s%d%s", i % 40 ? "" : "\n    ", test->labels[i], i + 1 < n ? "," : "\n};\n");
    return fclose(f) != 0;
}

// expected.txt: what examples/mcu/main.c prints, from nnet_int8_predict_classes.
static int write_expected(const char *path, const nnet_int8 *q, const nnet_dataset *test, const int *classes, int n) {
    FILE *f = fopen(path, "w");
    int i, correct = 0;
    if (!f) return 1;
    fprintf(f, "int8 network: %d inputs, %d outputs; %d test digits\n", q->n_inputs, q->layers[q->n_layers - 1].n_outputs, n);
    for (i = 0; i < n; i++) {
        if (i % 50 == 0) fprintf(f, "%s%d ", i ? "\n" : "", i);
        fprintf(f, "%d", classes[i]);
        correct += classes[i] == test->labels[i];
    }
    fprintf(f, "\ncorrect %d of %d\n", correct, n);
    return fclose(f) != 0;
}

int main(int argc, char **argv) {
    const char *model = "mnist.nnet", *dir = "data/mnist-sample", *out = "build/int8";
    int calibration = 1000, digits = 2000, i, n, agree = 0, right_float = 0, right_int8 = 0, status, *floats, *int8s;
    flag flags[] = {{"model", 's', &model, "model file (nnet_save)", NULL}, {"data", 's', &dir, "MNIST-layout directory", NULL},
        {"out", 's', &out, "directory for model.h, digits.h, expected.txt", NULL},
        {"calibration", 'i', &calibration, "training samples to calibrate on, at most all", "[1,inf)"},
        {"digits", 'i', &digits, "test digits for digits.h (0: none), at most all", "[0,inf)"}};
    char path[1024];
    nnet_dataset *train = NULL, *test = NULL;
    nnet_int8 *q;
    nnet *net;
    int8_t *codes;
    if ((status = parse_flags("quantize", "int8 C header of a trained MNIST model", argc, argv, flags, (int)(sizeof flags / sizeof flags[0])))) return status < 0 ? 0 : status;
    if (!(net = nnet_load(model)) || nnet_dataset_load_mnist(dir, &train, &test) != NNET_OK ||
        !(train = as_floats(train)) || !(test = as_floats(test)))
        return fail(nnet_error(), "");
    if (calibration > train->inputs.rows)
        return fprintf(stderr, "quantize: --calibration %d: the training set has only %d samples\n", calibration, train->inputs.rows), 2;
    if (digits > test->inputs.rows)
        return fprintf(stderr, "quantize: --digits %d: the test set has only %d samples\n", digits, test->inputs.rows), 2;
    printf("model %s: %d inputs", model, net->n_inputs);
    for (i = 0; i < net->n_layers; i++) printf(" -> %d %s", net->layers[i].n_outputs, nnet_activation_name(net->layers[i].activation));
    printf(", %zu parameters\n", net->n_parameters);
    if (!(q = nnet_int8_create(net, nnet_mat_view(calibration, train->inputs.cols, train->inputs.data)))) return fail(nnet_error(), "");

    n = test->inputs.rows;
    floats = (int *)malloc((size_t)n * sizeof *floats);
    int8s = (int *)malloc((size_t)n * sizeof *int8s);
    codes = (int8_t *)malloc((size_t)q->n_inputs);
    if (!floats || !int8s || !codes) return fail("out of memory", "");
    if (nnet_predict_classes(net, test->inputs, floats) || nnet_int8_predict_classes(q, test->inputs, int8s)) return fail(nnet_error(), "");
    for (i = 0; i < n; i++) {
        agree += floats[i] == int8s[i];
        right_float += floats[i] == test->labels[i];
        right_int8 += int8s[i] == test->labels[i];
    }
    printf("int8: calibrated on the first %d training samples; model data %zu bytes, activations 2 x %d bytes\n",
           calibration, nnet_int8_model_bytes(q), q->widest);
    printf("test set, %d samples: float accuracy %.4f, int8 accuracy %.4f, agreement %.4f (%d differ)\n",
           n, (double)right_float / n, (double)right_int8 / n, (double)agree / n, n - agree);

    snprintf(path, sizeof path, "%s/model.h", out);
    if (nnet_export_int8_c(q, path, "model") != NNET_OK) return fail(nnet_error(), "");
    printf("wrote %s", path);
    if (digits > 0) {
        snprintf(path, sizeof path, "%s/digits.h", out);
        if (write_digits(path, q, test, digits, codes)) return fail("cannot write ", path);
        snprintf(path, sizeof path, "%s/expected.txt", out);
        if (write_expected(path, q, test, int8s, digits)) return fail("cannot write ", path);
        printf(", %s/digits.h (%d test digits) and %s", out, digits, path);
    }
    printf("\n");
    free(codes); free(int8s); free(floats);
    nnet_int8_free(q); nnet_free(net); nnet_dataset_free(train); nnet_dataset_free(test);
    return 0;
}
