/* fuzz/fuzz_csv.c - libFuzzer target: CSV parsing from memory.

   The first two bytes pick the options (separator given or detected,
   header mode, task, class order, skipping bad rows, which column is the
   target, given class names, selected features); the rest is the file, handed to
   nnet_csv_load_from_memory. Whatever it accepts must be consistent: the
   shapes agree, every value is finite, every label names a class, every
   name is there; whatever it refuses must say why.

      make fuzz/fuzz_csv && ./fuzz/fuzz_csv -dict=fuzz/csv.dict fuzz/work/csv fuzz/corpus/csv
   Seeds: fuzz/make_csv_seeds.py. Replay without libFuzzer: see fuzz/fuzz_main.c. */
#define NNET_IMPLEMENTATION
#include "nnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const targets[4] = {NULL, "-1", "0", ""};
    static const char *const classes[3] = {"a", "b", "1"};
    static const char *const features[2] = {"1", "x"};
    nnet_csv_desc d = {0};
    nnet_csv *csv;
    unsigned options;
    size_t k;
    int i;
    if (size < 2) return 0;
    options = data[0] | (unsigned)data[1] << 8;
    d.separator = (options & 3) == 0 ? 0 : (options & 3) == 1 ? ',' : (options & 3) == 2 ? ';' : '\t';
    d.header = (nnet_csv_header)((options >> 2 & 3) % 3);
    d.task = (nnet_csv_task)((options >> 4 & 3) % 3);
    d.sorted_classes = options >> 6 & 1;
    d.skip_bad_rows = options >> 7 & 1;
    d.target = targets[options >> 8 & 3];
    d.optional_target = options >> 10 & 1;
    if (options >> 11 & 1) { d.class_names = classes; d.n_classes = 3; }
    if (options >> 12 & 3) { d.features = features + ((options >> 12 & 3) == 3); d.n_features = (options >> 12 & 3) == 2 ? 2 : 1; }
    csv = nnet_csv_load_from_memory(data + 2, size - 2, &d, "fuzz");
    NNET_ASSERT(csv || nnet_error()[0] != '\0');   /* a failure always explains itself */
    if (!csv) return 0;
    NNET_ASSERT(csv->inputs.rows >= 1 && csv->inputs.cols >= 1 && csv->inputs.data);
    NNET_ASSERT(csv->n_columns >= csv->inputs.cols + csv->n_targets);
    for (k = 0; k < (size_t)csv->inputs.rows * (size_t)csv->inputs.cols; k++) NNET_ASSERT(nnet__is_finite(csv->inputs.data[k]));
    if (csv->data) {
        NNET_ASSERT(csv->data->inputs.data == csv->inputs.data && csv->data->inputs.rows == csv->inputs.rows);
        if (csv->data->labels) {
            NNET_ASSERT(csv->n_targets == 1 && csv->class_names && csv->n_classes == csv->data->n_classes);
            for (i = 0; i < csv->inputs.rows; i++) NNET_ASSERT(csv->data->labels[i] >= 0 && csv->data->labels[i] < csv->n_classes);
            for (i = 0; i < csv->n_classes; i++) NNET_ASSERT(csv->class_names[i] != NULL);
        } else {
            NNET_ASSERT(csv->data->targets.cols == csv->n_targets && csv->data->targets.rows == csv->inputs.rows);
            for (k = 0; k < (size_t)csv->inputs.rows * (size_t)csv->n_targets; k++) NNET_ASSERT(nnet__is_finite(csv->data->targets.data[k]));
        }
    } else NNET_ASSERT(csv->n_targets == 0);
    if (csv->has_header) {
        for (i = 0; i < csv->inputs.cols; i++) NNET_ASSERT(csv->feature_names[i] != NULL);
        for (i = 0; i < csv->n_targets; i++) NNET_ASSERT(csv->target_names[i] != NULL);
    } else NNET_ASSERT(!csv->feature_names && !csv->target_names);
    nnet_csv_free(csv);
    return 0;
}
