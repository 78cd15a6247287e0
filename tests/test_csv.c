/* tests/test_csv.c - section 13: the CSV reader. What it reads (separators,
   header, quotes, line ends, byte-order mark, blank lines, numbers, missing
   values, classes in either order, targets and features by name or index),
   the four tables of data/tabular, and every malformed file of
   tests/data/csv (written by its make.py), each an error naming what and
   where. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

#define DATA "tests/data/csv/"

static nnet_csv *load(const char *text, const nnet_csv_desc *desc) {
    return nnet_csv_load_from_memory(text, strlen(text), desc, "test.csv");
}

// Every value of a matrix against a list.
static int same_values(nnet_mat m, const float *values) {
    size_t k;
    for (k = 0; k < (size_t)m.rows * (size_t)m.cols; k++) if (m.data[k] != values[k]) return 0;
    return 1;
}

static void test_header_classes_and_names(void) {
    static const float x[6] = {1, 2, 3, 4, 5, 6};
    nnet_csv_desc d = {0};
    nnet_csv *csv = load("a,b,kind\n1,2,dog\n3,4,cat\n5,6,dog\n", NULL);
    CHECK(csv != NULL);
    if (!csv) return;
    CHECK(csv->has_header && csv->separator == ',' && csv->n_columns == 3 && csv->n_skipped == 0);
    CHECK(csv->inputs.rows == 3 && csv->inputs.cols == 2 && same_values(csv->inputs, x));
    CHECK(csv->data && csv->data->inputs.data == csv->inputs.data && csv->data->labels && csv->data->n_classes == 2);
    CHECK(!strcmp(csv->feature_names[0], "a") && !strcmp(csv->feature_names[1], "b"));
    CHECK(csv->n_targets == 1 && !strcmp(csv->target_names[0], "kind"));
    CHECK(csv->n_classes == 2 && !strcmp(csv->class_names[0], "dog") && !strcmp(csv->class_names[1], "cat"));   // first seen
    CHECK(csv->data->labels[0] == 0 && csv->data->labels[1] == 1 && csv->data->labels[2] == 0);
    nnet_csv_free(csv);
    d.sorted_classes = 1;   // sorted: cat before dog
    csv = load("a,b,kind\n1,2,dog\n3,4,cat\n5,6,dog\n", &d);
    CHECK(csv && !strcmp(csv->class_names[0], "cat") && csv->data->labels[0] == 1 && csv->data->labels[1] == 0);
    nnet_csv_free(csv);
    // Numbers as classes: by value, so 2 before 10, and "1.0" is "1".
    d.task = NNET_CSV_CLASSIFICATION;
    csv = load("x,y\n0.5,10\n1.5,2\n2.5,1.0\n3.5,1\n", &d);
    CHECK(csv && csv->n_classes == 3 && !strcmp(csv->class_names[0], "1") && !strcmp(csv->class_names[1], "2") &&
          !strcmp(csv->class_names[2], "10"));
    CHECK(csv && csv->data->labels[0] == 2 && csv->data->labels[2] == 0 && csv->data->labels[3] == 0);
    nnet_csv_free(csv);
    // The same numbers are a regression target by default.
    csv = load("x,y\n0.5,10\n1.5,2\n", NULL);
    CHECK(csv && !csv->data->labels && csv->data->targets.cols == 1 && csv->data->targets.data[0] == 10.0f && csv->class_names == NULL);
    nnet_csv_free(csv);
}

static void test_separators_quotes_and_line_ends(void) {
    static const float x[4] = {1.5f, 2, 3, 4};
    nnet_csv_desc d = {0};
    nnet_csv *csv;
    const char *texts[] = {
        "a;b;c\n1.5;2;x\n3;4;y\n",                                 // semicolons
        "a\tb\tc\n1.5\t2\tx\n3\t4\ty\n",                           // tabs
        "\xEF\xBB\xBF" "a,b,c\r\n1.5,2,x\r\n3,4,y\r\n",            // byte-order mark, CRLF
        "a,b,c\r1.5,2,x\r3,4,y",                                   // CR, no final line end
        "\n\na,b,c\n\n1.5 , 2,x\n  \n3,\t4 ,y\n\n\n \n",           // blank lines, spaces around cells
        "\"a\",\"b\",\"c\"\n\"1.5\",2,\"x\"\n3,\"4\",y\n",         // quoted numbers and names
    };
    size_t t;
    for (t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        csv = load(texts[t], NULL);
        CHECK(csv && csv->inputs.rows == 2 && csv->inputs.cols == 2 && same_values(csv->inputs, x) && csv->n_classes == 2 &&
              !strcmp(csv->class_names[1], "y") && !strcmp(csv->feature_names[1], "b"));
        if (!csv) printf("  text %d: %s\n", (int)t, nnet_error());
        nnet_csv_free(csv);
    }
    // Quoted cells with separators, line breaks and doubled quotes inside.
    csv = load("x,name\n1,\"a, \"\"b\"\"\nc\"\n2,plain\n3, \"  spaced \" \n", NULL);
    CHECK(csv && csv->n_classes == 3 && !strcmp(csv->class_names[0], "a, \"b\"\nc") && !strcmp(csv->class_names[2], "  spaced "));
    nnet_csv_free(csv);
    // Lines are counted in the file, line breaks inside quotes (LF, CRLF, CR) included.
    CHECK_ERROR((csv = load("x,name\n1,\"a\nb\r\nc\rd\"\n2,e\nthree,f\n", NULL)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT,
                "line 7, column 1 (\"x\"): the feature \"three\" is not a number");
    // Semicolons with decimal commas inside quotes are not numbers.
    CHECK_ERROR((csv = load("a;b\n\"1,5\";2\n", NULL)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "decimal comma");
    // A separator given: ',' splits the tab-separated line into one cell per line.
    d.separator = ',';
    csv = load("a\tb\n1\t2\n", &d);
    CHECK(csv == NULL);   // one column: nothing left for the features
    nnet_csv_free(csv);
    d.separator = '|';
    CHECK_ERROR((csv = load("a|b\n1|2\n", &d)) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "separator");
}

static void test_header_detection(void) {
    nnet_csv_desc d = {0};
    nnet_csv *csv = load("1,2,3\n4,5,6\n", NULL);   // numbers only: no header
    CHECK(csv && !csv->has_header && csv->inputs.rows == 2 && csv->feature_names == NULL && csv->target_names == NULL);
    nnet_csv_free(csv);
    csv = load("0,1,2\n4,5,6\n7,8,9\n", (d.header = NNET_CSV_HEADER_YES, &d));   // a header of numbers, given
    CHECK(csv && csv->has_header && csv->inputs.rows == 2 && !strcmp(csv->target_names[0], "2"));
    nnet_csv_free(csv);
    csv = load("a,b,c\n4,5,6\n", (d.header = NNET_CSV_HEADER_NO, d.skip_bad_rows = 1, &d));   // "a,b,c" is then a bad row
    CHECK(csv && !csv->has_header && csv->inputs.rows == 1 && csv->n_skipped == 1);
    nnet_csv_free(csv);
    csv = load(",x,y\n0,1.5,2\n1,2.5,3\n", NULL);   // an empty header cell (pandas' index column)
    CHECK(csv && csv->has_header && csv->inputs.cols == 2 && !strcmp(csv->feature_names[0], "") && !strcmp(csv->feature_names[1], "x"));
    nnet_csv_free(csv);
    csv = load("7,8,9\n", NULL);   // one row of numbers: data
    CHECK(csv && csv->inputs.rows == 1 && !csv->has_header);
    nnet_csv_free(csv);
}

static void test_targets_and_features(void) {
    nnet_csv_desc d = {0};
    const char *features[2] = {"c", "0"};
    nnet_csv *csv;
    const char *text = "a,b,c,y1,y2\n1,2,3,4,5\n6,7,8,9,10\n";
    d.target = "y1,y2";
    csv = load(text, &d);
    CHECK(csv && csv->n_targets == 2 && csv->data->targets.cols == 2 && csv->data->targets.data[3] == 10.0f && csv->inputs.cols == 3);
    CHECK(csv && !strcmp(csv->target_names[1], "y2"));
    nnet_csv_free(csv);
    d.target = "-2";   // y1 by index from the end; features picked and ordered
    d.features = features; d.n_features = 2;
    csv = load(text, &d);
    CHECK(csv && csv->inputs.cols == 2 && NNET_AT(csv->inputs, 1, 0) == 8.0f && NNET_AT(csv->inputs, 1, 1) == 6.0f &&
          csv->data->targets.data[1] == 9.0f && !strcmp(csv->feature_names[1], "a") && !strcmp(csv->target_names[0], "y1"));
    nnet_csv_free(csv);
    d.target = "";   // no target: inputs only (even with an empty header cell)
    csv = load(text, &d);
    CHECK(csv && csv->data == NULL && csv->inputs.rows == 2 && csv->inputs.cols == 2 && csv->n_targets == 0);
    nnet_csv_free(csv);
    d.features = NULL; d.n_features = 0;
    csv = load(",b\n1,2\n", &d);
    CHECK(csv && csv->data == NULL && csv->inputs.cols == 2);
    nnet_csv_free(csv);
    d.features = features; d.n_features = 2;
    d.features = NULL; d.n_features = 0;
    d.target = "a,b,c";   // a name holding commas is tried whole first
    csv = load("x,\"a,b,c\"\n1,2\n", &d);
    CHECK(csv && csv->n_targets == 1 && csv->inputs.cols == 1 && csv->data->targets.data[0] == 2.0f);
    nnet_csv_free(csv);
    d.target = "z";
    CHECK_ERROR((csv = load(text, &d)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "no target column \"z\": the header names \"a\", \"b\"");
    d.optional_target = 1;   // ... unless it may be missing
    csv = load(text, &d);
    CHECK(csv && csv->data == NULL && csv->inputs.cols == 5);
    nnet_csv_free(csv);
    d.optional_target = 0;
    d.target = "y1,y1";
    CHECK_ERROR((csv = load(text, &d)) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "listed twice");
    d.target = "7";
    CHECK_ERROR((csv = load(text, &d)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "indices 0..4");
    d.target = "y1,y2"; d.task = NNET_CSV_CLASSIFICATION;
    CHECK_ERROR((csv = load(text, &d)) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "classification takes one target column");
    d.task = NNET_CSV_AUTO; d.target = "y1"; d.features = features; d.n_features = 2; features[1] = "y1";
    CHECK_ERROR((csv = load(text, &d)) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "as a feature and a target");
}

static void test_given_classes(void) {
    const char *classes[3] = {"virginica", "setosa", "versicolor"};
    nnet_csv_desc d = {0};
    nnet_csv *csv;
    d.class_names = classes; d.n_classes = 3;
    csv = load("x,s\n1,setosa\n2,virginica\n", &d);
    CHECK(csv && csv->n_classes == 3 && csv->data->labels[0] == 1 && csv->data->labels[1] == 0 && !strcmp(csv->class_names[2], "versicolor"));
    nnet_csv_free(csv);
    CHECK_ERROR((csv = load("x,s\n1,setosa\n2,rose\n", &d)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT,
                "line 3, column 2 (\"s\"): class \"rose\" is not one of the 3 classes given");
    classes[2] = "setosa";
    CHECK_ERROR((csv = load("x,s\n1,setosa\n", &d)) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "class_names[2] is listed twice");
}

// Numbers: the grammar, and the value: the float nearest to the nearest double,
// as (float)strtod gives it, on the fast path and off it (that double itself
// is checked through nnet__csv_number).
static void test_numbers(void) {
    static const char *good[] = {"0", "-0", "+1", ".5", "5.", "1e3", "1E-3", "-2.5e+2", "0.1", "3.4028234e38",
        "1e-45", "123456789012345678901234567890", "0.000000000000000000000000000001", "00012.50", "9007199254740993",
        "1.00000005960464477539", "0.3", "2.718281828459045235360287"};
    static const char *bad[] = {"e5", ".", "+", "1e", "1e+", "--1", "1.2.3", "0x10", "inf", "1 2", "12a", "1_000"};
    char text[256];
    nnet_rng rng;
    int k, i;
    for (k = 0; k < (int)(sizeof good / sizeof good[0]); k++) {
        nnet_csv *csv;
        snprintf(text, sizeof text, "%s,1\n", good[k]);
        csv = load(text, NULL);
        CHECK(csv && csv->inputs.data[0] == (float)strtod(good[k], NULL));
        if (!csv) printf("  \"%s\": %s\n", good[k], nnet_error());
        nnet_csv_free(csv);
    }
    for (k = 0; k < (int)(sizeof bad / sizeof bad[0]); k++) {
        nnet_csv *csv;
        snprintf(text, sizeof text, "x,y\n%s,1\n", bad[k]);
        CHECK_ERROR((csv = load(text, NULL)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "line 2, column 1 (\"x\")");
        nnet_csv_free(csv);
    }
    CHECK_ERROR(load("x,y\n1e39,1\n", NULL) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "beyond the float range");
    memcpy(text, "x,y\n", 4); memset(text + 4, '1', 200); memcpy(text + 204, ",1\n", 4);
    CHECK_ERROR(load(text, NULL) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "a number of more than 127 characters");
    // 20000 random decimals of 1 to 19 digits and exponents -50..50 (those
    // beyond the float range are refused).
    nnet_rng_seed(&rng, 7);
    for (i = 0; i < 20000; i++) {
        int digits = 1 + (int)nnet_rng_below(&rng, 19), point = (int)nnet_rng_below(&rng, (uint32_t)digits + 1), n = 4;
        double value;
        nnet_csv *csv;
        memcpy(text, "x,y\n", 4);
        if (nnet_rng_below(&rng, 2)) text[n++] = '-';
        for (k = 0; k < digits; k++) {
            if (k == point) text[n++] = '.';
            text[n++] = (char)('0' + nnet_rng_below(&rng, 10));
        }
        n += sprintf(text + n, "e%d,1\n", (int)nnet_rng_below(&rng, 101) - 50);
        csv = nnet_csv_load_from_memory(text, (size_t)n, NULL, "random");
        value = strtod(text + 4, NULL);
        {   // the double before the rounding to float: strtod's, to the bit
            double parsed = 0.0;
            int status = nnet__csv_number((const unsigned char *)text + 4, (size_t)(n - 7), &parsed);
            CHECK(fabs(value) > FLT_MAX ? status == 2 : status == NNET_OK && parsed == value);
        }
        if (fabs(value) > FLT_MAX ? csv != NULL || !strstr(nnet_error(), "beyond the float range")
                                  : !csv || csv->inputs.data[0] != (float)value) {
            CHECK(!"the number reads as (float)strtod, or beyond the float range as an error");
            printf("  %.*s: %s\n", n - 7, text + 4, csv ? "read another value" : nnet_error());
            nnet_csv_free(csv);
            break;
        }
        nnet_csv_free(csv);
    }
}

static void test_missing_values(void) {
    static const char *missing[] = {"", "NA", "n/a", "NaN", "null", "None", "?", " "};
    nnet_csv_desc d = {0};
    char text[64];
    nnet_csv *csv;
    int k;
    for (k = 0; k < (int)(sizeof missing / sizeof missing[0]); k++) {
        snprintf(text, sizeof text, "a,b,y\n1,2,3\n4,%s,6\n", missing[k]);
        CHECK_ERROR((csv = load(text, NULL)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "line 3, column 2 (\"b\"): the feature is missing");
    }
    CHECK_ERROR((csv = load("a,b,y\n1,2,3\n4,5,NA\n", NULL)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT,
                "line 3, column 3 (\"y\"): the target is missing");
    CHECK_ERROR((csv = load("a,b,y\n1,2,dog\n4,5,\n", NULL)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT,
                "line 3, column 3 (\"y\"): the target is missing");
    d.skip_bad_rows = 1;   // skipped and counted: missing values, text, the wrong number of cells
    csv = load("a,b,y\n1,2,dog\n4,,cat\n5,6\n7,x,cat\n8,9,NA\n10,11,cow\n", &d);
    CHECK(csv && csv->inputs.rows == 2 && csv->n_skipped == 4 && NNET_AT(csv->inputs, 1, 0) == 10.0f);
    CHECK(csv && csv->n_classes == 2 && !strcmp(csv->class_names[1], "cow"));   // "cat" came only on skipped rows
    nnet_csv_free(csv);
    CHECK_ERROR((csv = load("a,b\nx,1\n,2\n", &d)) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "every one of the 2 rows was skipped");
}

// The tables of data/tabular, as bench/compare_sklearn.py reads them.
static void test_tabular_data(void) {
    static const struct { const char *file, *target; int rows, features, classes; float first[2]; } tables[4] = {
        {"data/tabular/iris.csv", "species", 150, 4, 3, {5.1f, 3.5f}},
        {"data/tabular/wine.csv", "class", 178, 13, 3, {14.23f, 1.71f}},
        {"data/tabular/breast_cancer.csv", "diagnosis", 569, 30, 2, {17.99f, 10.38f}},
        {"data/tabular/diabetes.csv", "progression", 442, 10, 0, {59, 2}}};
    int t;
    for (t = 0; t < 4; t++) {
        nnet_csv_desc d = {0};
        nnet_csv *csv;
        d.target = tables[t].target;
        csv = nnet_csv_load(tables[t].file, &d);
        CHECK(csv && csv->inputs.rows == tables[t].rows && csv->inputs.cols == tables[t].features && csv->n_classes == tables[t].classes);
        CHECK(csv && csv->inputs.data[0] == tables[t].first[0] && csv->inputs.data[1] == tables[t].first[1]);
        if (!csv) printf("  %s: %s\n", tables[t].file, nnet_error());
        nnet_csv_free(csv);
    }
    CHECK_ERROR(nnet_csv_load("tests/data/csv", NULL) ? NNET_OK : NNET_ERR_IO, NNET_ERR_IO, "is a directory");
    CHECK_ERROR(nnet_csv_load("tests/data/csv/no_such_file.csv", NULL) ? NNET_OK : NNET_ERR_IO, NNET_ERR_IO, "could not open");
}

// Every file of tests/data/csv: refused, with the message naming the file and where.
static void test_malformed_files(void) {
    static const struct { const char *file, *message; int status; } cases[] = {
        {"empty.csv", "the file is empty", NNET_ERR_FORMAT},
        {"blank_lines.csv", "the file is empty (only blank lines)", NNET_ERR_FORMAT},
        {"header_only.csv", "no data rows: the file holds only the header", NNET_ERR_FORMAT},
        {"ragged_short.csv", "line 4 has 2 cells, but the header has 3", NNET_ERR_FORMAT},
        {"ragged_long.csv", "line 3 has 4 cells, but the header has 3", NNET_ERR_FORMAT},
        {"text_in_feature.csv", "line 4, column 2 (\"width\"): the feature \"wide\" is not a number", NNET_ERR_FORMAT},
        {"missing_feature.csv", "line 3, column 1 (\"length\"): the feature is missing", NNET_ERR_FORMAT},
        {"open_quote.csv", "line 4, column 3: the quote that opens this cell is never closed", NNET_ERR_FORMAT},
        {"after_quote.csv", "line 2, column 3: text after the closing quote", NNET_ERR_FORMAT},
        {"binary.csv", "line 2, column 1: byte 0x1A is a control character, not text (a binary file?)", NNET_ERR_FORMAT},
        {"nul_byte.csv", "line 4, column 2: byte 0x00 is a control character", NNET_ERR_FORMAT},
        {"utf16.csv", "the file is UTF-16 text (it starts FF FE); save it as UTF-8", NNET_ERR_FORMAT},
        {"decimal_comma.csv", "the feature \"1,5\" is not a number (a decimal comma?", NNET_ERR_FORMAT},
        {"out_of_range.csv", "line 2, column 2 (\"b\"): the feature \"1e40\" is beyond the float range", NNET_ERR_FORMAT},
        {"one_column.csv", "no feature column: the file has 1 column and 1 is the target", NNET_ERR_FORMAT},
        {"text_targets.csv", "classification takes one target column, found 2 and one of them holds text", NNET_ERR_ARGUMENT},
    };
    char path[128];
    int k;
    for (k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        nnet_csv_desc d = {0};
        nnet_csv *csv;
        if (!strcmp(cases[k].file, "text_targets.csv")) d.target = "-2,-1";
        snprintf(path, sizeof path, DATA "%s", cases[k].file);
        csv = nnet_csv_load(path, &d);
        CHECK(csv == NULL && strstr(nnet_error(), cases[k].message) && strstr(nnet_error(), cases[k].file));
        if (csv || !strstr(nnet_error(), cases[k].message)) printf("  %s: \"%s\"\n", cases[k].file, nnet_error());
        nnet_csv_free(csv);
    }
}

// A header that claims 10^7 columns is refused at NNET_CSV_MAX_COLUMNS, as is
// the same row with a row of data under it; nothing is allocated for them.
static void test_too_many_columns(void) {
    size_t n = 10000000, k;
    char *text = (char *)malloc(2 * n + 8);
    nnet_csv *csv;
    CHECK(text != NULL);
    if (!text) return;
    for (k = 0; k < n; k++) { text[2 * k] = 'c'; text[2 * k + 1] = ','; }
    text[2 * n - 1] = '\n';
    memcpy(text + 2 * n, "1,2\n", 4);
    csv = nnet_csv_load_from_memory(text, 2 * n + 4, NULL, "wide.csv");
    CHECK(csv == NULL && strstr(nnet_error(), "'wide.csv': line 1 has more than 1048576 columns (NNET_CSV_MAX_COLUMNS)"));
    if (csv || !strstr(nnet_error(), "line 1 has more")) printf("  %s\n", nnet_error());
    nnet_csv_free(csv);
    free(text);
}

static void test_arguments(void) {
    nnet_csv_desc d = {0};
    CHECK_ERROR(nnet_csv_load_from_memory(NULL, 5, NULL, NULL) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "'<memory>': bytes is NULL");
    CHECK_ERROR(nnet_csv_load_from_memory(NULL, 0, NULL, NULL) ? NNET_OK : NNET_ERR_FORMAT, NNET_ERR_FORMAT, "the file is empty");
    d.n_classes = 2;   // without the names
    CHECK_ERROR(load("a,b\n1,2\n", &d) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "bad desc");
    d.n_classes = 0; d.task = (nnet_csv_task)7;
    CHECK_ERROR(load("a,b\n1,2\n", &d) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "task 7");
    CHECK_ERROR(nnet_csv_load(NULL, NULL) ? NNET_OK : NNET_ERR_ARGUMENT, NNET_ERR_ARGUMENT, "path is NULL");
    nnet_csv_free(NULL);
}

// Taking the dataset out of the result: it outlives nnet_csv_free.
static void test_keep_dataset(void) {
    nnet_csv *csv = load("a,y\n1,2\n3,4\n", NULL);
    nnet_dataset *data = csv ? csv->data : NULL;
    CHECK(data != NULL);
    if (!data) return;
    csv->data = NULL;
    nnet_csv_free(csv);
    CHECK(data->inputs.rows == 2 && data->inputs.data[1] == 3.0f && data->targets.data[1] == 4.0f);
    nnet_dataset_free(data);
}

int main(void) {
    RUN(test_header_classes_and_names);
    RUN(test_separators_quotes_and_line_ends);
    RUN(test_header_detection);
    RUN(test_targets_and_features);
    RUN(test_given_classes);
    RUN(test_numbers);
    RUN(test_missing_values);
    RUN(test_tabular_data);
    RUN(test_malformed_files);
    RUN(test_too_many_columns);
    RUN(test_arguments);
    RUN(test_keep_dataset);
    return test_summary("test_csv");
}
