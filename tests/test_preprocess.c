/* tests/test_preprocess.c - the preprocessing that travels with a model:
   nnet_set_standardization, nnet_set_names and nnet_predict_raw, their
   round trip through model files and checkpoints (long values included),
   and the metadata a loader refuses. */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

static nnet *small_net(int inputs, int outputs) {
    nnet_desc d = {0};
    d.n_inputs = inputs; d.n_layers = 2; d.sizes[0] = 5; d.sizes[1] = outputs; d.seed = 3;
    d.activations[1] = outputs == 1 ? NNET_ACT_IDENTITY : NNET_ACT_SOFTMAX;
    return nnet_create(&d);
}

// The model file of net in a fresh buffer (*size bytes); NULL on failure.
static unsigned char *saved(const nnet *net, size_t *size, int checkpoint) {
    unsigned char *bytes;
    if ((checkpoint ? nnet_save_checkpoint_to_memory : nnet_save_to_memory)(net, NULL, 0, size) != NNET_OK) return NULL;
    bytes = (unsigned char *)malloc(*size);
    if (bytes && (checkpoint ? nnet_save_checkpoint_to_memory : nnet_save_to_memory)(net, bytes, *size, size) != NNET_OK) {
        free(bytes);
        return NULL;
    }
    return bytes;
}

// nnet_predict_raw is nnet_predict on (x - mean) / stddev (stddev 0: only
// centred), its outputs times the target stddev plus the target mean; X stays.
static void test_predict_raw(void) {
    float mean[3] = {10, -2, 0.5f}, stddev[3] = {4, 0, 0.25f}, target_mean[1] = {100}, target_stddev[1] = {20};
    float X[6] = {12, -1, 0.75f, 2, -2, 0}, copy[6], Z[6], P[2], Q[2], R[2];
    nnet *net = small_net(3, 1);
    int i, j;
    CHECK(net != NULL);
    if (!net) return;
    memcpy(copy, X, sizeof X);
    for (i = 0; i < 2; i++)
        for (j = 0; j < 3; j++) Z[3 * i + j] = (X[3 * i + j] - mean[j]) / (stddev[j] > 0 ? stddev[j] : 1.0f);
    CHECK_STATUS(nnet_predict(net, nnet_mat_view(2, 3, Z), nnet_mat_view(2, 1, Q)), NNET_OK);
    CHECK_STATUS(nnet_predict_raw(net, nnet_mat_view(2, 3, X), nnet_mat_view(2, 1, P)), NNET_OK);   // nothing set: nnet_predict
    CHECK_STATUS(nnet_predict(net, nnet_mat_view(2, 3, X), nnet_mat_view(2, 1, R)), NNET_OK);
    CHECK(P[0] == R[0] && P[1] == R[1]);
    CHECK_STATUS(nnet_set_standardization(net, mean, stddev, target_mean, target_stddev), NNET_OK);
    CHECK_STATUS(nnet_predict_raw(net, nnet_mat_view(2, 3, X), nnet_mat_view(2, 1, P)), NNET_OK);
    CHECK(P[0] == Q[0] * 20 + 100 && P[1] == Q[1] * 20 + 100);
    CHECK(memcmp(X, copy, sizeof X) == 0);
    CHECK_STATUS(nnet_set_standardization(net, mean, stddev, NULL, NULL), NNET_OK);   // inputs only
    CHECK_STATUS(nnet_predict_raw(net, nnet_mat_view(2, 3, X), nnet_mat_view(2, 1, P)), NNET_OK);
    CHECK(P[0] == Q[0] && P[1] == Q[1] && net->target_mean == NULL);
    CHECK_STATUS(nnet_set_standardization(net, NULL, NULL, NULL, NULL), NNET_OK);     // removed
    CHECK(net->input_mean == NULL && net->input_stddev == NULL);
    CHECK_ERROR(nnet_predict_raw(net, nnet_mat_view(2, 2, X), nnet_mat_view(2, 1, P)), NNET_ERR_ARGUMENT, "X is 2x2");
    CHECK_ERROR(nnet_predict_raw(net, nnet_mat_view(2, 3, X), nnet_mat_view(1, 1, P)), NNET_ERR_ARGUMENT, "P 1x1");
    nnet_free(net);
}

// More rows than a chunk: every row is standardised with its own statistics.
static void test_predict_raw_chunks(void) {
    enum { N = 600, I = 3, O = 2 };
    float mean[I] = {1, 2, 3}, stddev[I] = {2, 3, 4};
    float *X = (float *)malloc(N * I * sizeof(float)), *Z = (float *)malloc(N * I * sizeof(float));
    float *P = (float *)malloc(N * O * sizeof(float)), *Q = (float *)malloc(N * O * sizeof(float));
    nnet *net = small_net(I, O);
    nnet_rng rng;
    int k;
    CHECK(X && Z && P && Q && net);
    if (!X || !Z || !P || !Q || !net) return;
    nnet_rng_seed(&rng, 1);
    for (k = 0; k < N * I; k++) Z[k] = ((X[k] = 5 * nnet_rng_normal(&rng)) - mean[k % I]) / stddev[k % I];
    CHECK_STATUS(nnet_set_standardization(net, mean, stddev, NULL, NULL), NNET_OK);
    CHECK_STATUS(nnet_predict_raw(net, nnet_mat_view(N, I, X), nnet_mat_view(N, O, P)), NNET_OK);
    CHECK_STATUS(nnet_predict(net, nnet_mat_view(N, I, Z), nnet_mat_view(N, O, Q)), NNET_OK);
    CHECK(memcmp(P, Q, N * O * sizeof(float)) == 0);
    nnet_free(net); free(X); free(Z); free(P); free(Q);
}

static void test_setters_refuse(void) {
    float mean[2] = {0, 0}, stddev[2] = {1, -1}, nan_mean[2] = {0, NAN};
    const char *two[2] = {"a", "b"}, *bad_utf8[2] = {"a", "\xC3("}, *with_null[2] = {"a", NULL};
    nnet *net = small_net(2, 3), fixed;
    nnet_desc d = {0};
    float parameters[9 * 2] = {0};
    CHECK(net != NULL);
    if (!net) return;
    CHECK_ERROR(nnet_set_standardization(NULL, NULL, NULL, NULL, NULL), NNET_ERR_ARGUMENT, "net is NULL");
    CHECK_ERROR(nnet_set_standardization(net, mean, NULL, NULL, NULL), NNET_ERR_ARGUMENT, "given together");
    CHECK_ERROR(nnet_set_standardization(net, mean, stddev, NULL, NULL), NNET_ERR_ARGUMENT, "input 1 has mean 0 and stddev -1");
    CHECK_ERROR(nnet_set_standardization(net, nan_mean, mean, NULL, NULL), NNET_ERR_ARGUMENT, "input 1 has mean nan");
    CHECK(net->input_mean == NULL);   // nothing set on failure
    CHECK_ERROR(nnet_set_names(net, NULL, NULL, 0, two, 2), NNET_ERR_ARGUMENT, "2 class names for 3 outputs, expected 3");
    CHECK_ERROR(nnet_set_names(net, bad_utf8, NULL, 0, NULL, 0), NNET_ERR_ARGUMENT, "input_names[1] is not valid UTF-8");
    CHECK_ERROR(nnet_set_names(net, with_null, NULL, 0, NULL, 0), NNET_ERR_ARGUMENT, "input_names[1] is NULL");
    CHECK_ERROR(nnet_set_names(net, NULL, two, 0, NULL, 0), NNET_ERR_ARGUMENT, "0 target names");
    CHECK(net->input_names == NULL && net->class_names == NULL && net->n_class_names == 0);
    nnet_free(net);
    net = small_net(2, 1);   // one output: two class names (a sigmoid's two classes)
    CHECK_STATUS(nnet_set_names(net, two, two, 1, two, 2), NNET_OK);
    CHECK(net && net->n_class_names == 2 && net->n_target_names == 1 && !strcmp(net->class_names[1], "b"));
    nnet_free(net);
    d.n_inputs = 2; d.n_layers = 1; d.sizes[0] = 3;   // a network in caller memory carries nothing
    CHECK_STATUS(nnet_init_static(&fixed, &d, parameters), NNET_OK);
    CHECK_ERROR(nnet_set_standardization(&fixed, mean, mean, NULL, NULL), NNET_ERR_ARGUMENT, "nnet_init_static");
    CHECK_ERROR(nnet_set_names(&fixed, two, NULL, 0, NULL, 0), NNET_ERR_ARGUMENT, "nnet_init_static");
}

// Statistics and names survive nnet_save and nnet_load bit for bit, in a
// model file and in a checkpoint, with names that need escaping and a list
// far longer than a metadata value's 255 bytes.
static void test_round_trip(void) {
    enum { I = 300 };
    const char *inputs[I], *targets[2] = {"what \"it\" predicts", "back\\slash"};
    const char *classes[3] = {"caf\xC3\xA9", "tab\there", "line\nbreak"};
    char names[I][24];
    float mean[I], stddev[I];
    nnet *net = small_net(I, 3), *back;
    unsigned char *bytes;
    size_t size;
    int k, checkpoint;
    CHECK(net != NULL);
    if (!net) return;
    for (k = 0; k < I; k++) {
        snprintf(names[k], sizeof names[k], "feature %d", k);
        inputs[k] = names[k];
        mean[k] = 1.0f / (float)(k + 3);
        stddev[k] = k % 7 ? 3.14159274f * (float)k : 0.0f;
    }
    CHECK_STATUS(nnet_set_standardization(net, mean, stddev, NULL, NULL), NNET_OK);
    CHECK_STATUS(nnet_set_names(net, inputs, targets, 2, classes, 3), NNET_OK);
    for (checkpoint = 0; checkpoint < 2; checkpoint++) {
        if (checkpoint) {   // a checkpoint needs training state: one step
            nnet_dataset *data = nnet_dataset_create(4, I, 3);
            nnet_train_desc t = {0};
            t.epochs = 1; t.learning_rate = 0.01f;
            CHECK(data && nnet_train(net, data, NULL, &t, NULL, NULL) == NNET_OK);
            nnet_dataset_free(data);
        }
        bytes = saved(net, &size, checkpoint);
        back = bytes ? nnet_load_from_memory(bytes, size) : NULL;
        CHECK(back && back->input_mean && back->input_names && back->target_names && back->class_names);
        if (!back || !back->input_mean || !back->input_names || !back->target_names || !back->class_names) {
            printf("  %s\n", back ? "loaded without its statistics or names" : nnet_error());
            nnet_free(back); free(bytes);
            break;
        }
        CHECK(memcmp(back->input_mean, mean, sizeof mean) == 0 && memcmp(back->input_stddev, stddev, sizeof stddev) == 0);
        CHECK(back->target_mean == NULL && back->target_stddev == NULL);
        for (k = 0; k < I; k++) CHECK(!strcmp(back->input_names[k], inputs[k]));
        CHECK(back->n_target_names == 2 && !strcmp(back->target_names[0], targets[0]) && !strcmp(back->target_names[1], targets[1]));
        CHECK(back->n_class_names == 3);
        for (k = 0; k < 3; k++) CHECK(!strcmp(back->class_names[k], classes[k]));
        CHECK(back->epoch == net->epoch);
        nnet_free(back);
        free(bytes);
    }
    nnet_free(net);
}

// A file that names no statistics or names loads with none, as before.
static void test_without(void) {
    nnet *net = small_net(2, 3), *back;
    size_t size;
    unsigned char *bytes = net ? saved(net, &size, 0) : NULL;
    back = bytes ? nnet_load_from_memory(bytes, size) : NULL;
    CHECK(back && !back->input_mean && !back->target_mean && !back->input_names && !back->target_names && !back->class_names &&
          back->n_class_names == 0 && back->n_target_names == 0);
    CHECK(bytes && !strstr((const char *)bytes + 8, "input_mean") && !strstr((const char *)bytes + 8, "class_names"));
    nnet_free(back); nnet_free(net); free(bytes);
}

// Replace `from` by `to` in a saved header (same length: the offsets stay;
// the CRC covers only the data) and load.
static nnet *load_edited(const nnet *net, const char *from, const char *to) {
    size_t size, n = strlen(from);
    unsigned char *bytes = saved(net, &size, 0), *at = NULL;
    nnet *back = NULL;
    size_t k;
    if (!bytes) return NULL;
    for (k = 8; k + n <= size && !at; k++) if (memcmp(bytes + k, from, n) == 0) at = bytes + k;
    if (at && strlen(to) == n) {
        memcpy(at, to, n);
        back = nnet_load_from_memory(bytes, size);
    } else {
        nnet__fail(NNET_ERR_ARGUMENT, "load_edited: \"%s\" not found, or \"%s\" of another length", from, to);
    }
    free(bytes);
    return back;
}

static void test_bad_metadata(void) {
    static const struct { const char *from, *to, *message; } cases[] = {
        {"\"input_mean\":\"1,2\"", "\"input_mean\":\"1;2\"", "input_mean is \"1;2\", expected 2 comma-separated finite numbers"},
        {"\"input_mean\":\"1,2\"", "\"input_mean\":\"1,x\"", "expected 2 comma-separated finite numbers"},
        {"\"input_stddev\":\"3,40\"", "\"input_stddev\":\"3,-4\"", "expected 2 comma-separated finite numbers >= 0"},
        {"\"input_stddev\":\"3,40\"", "\"input_stddvv\":\"3,40\"", "__metadata__ has no \"input_stddev\""},
        {"\"target_mean\":\"5\"", "\"target_mean\":\"n\"", "target_mean is \"n\""},
        {"\"input_names\":\"[\\\"a\\\",\\\"b\\\"]\"", "\"input_names\":\"[\\\"a\\\",\\\"b\\\"}\"", "input_names is not a JSON array"},
        {"\"input_names\":\"[\\\"a\\\",\\\"b\\\"]\"", "\"input_names\":\"[\\\"a\\\" \\\"b\\\"]\"", "input_names is not a JSON array"},
        {"\"input_names\":\"[\\\"a\\\",\\\"b\\\"]\"", "\"input_names\":\"[\\\"ab\\\", 1  ]\"", "input_names is not a JSON array"},
        {"\"input_names\":\"[\\\"a\\\",\\\"b\\\"]\"", "\"input_names\":\"[\\\"a,  b\\\"  ]\"", "input_names holds 1 names, expected 2"},
        {"\"class_names\":\"[\\\"x\\\",\\\"y\\\"]\"", "\"class_names\":\"[           ]\"", "class_names holds 0 names, expected 2"},
    };
    float mean[2] = {1, 2}, stddev[2] = {3, 40}, target_mean[1] = {5}, target_stddev[1] = {6};
    const char *inputs[2] = {"a", "b"}, *classes[2] = {"x", "y"};
    nnet *net = small_net(2, 1), *back;
    int k;
    CHECK(net != NULL);
    if (!net) return;
    CHECK_STATUS(nnet_set_standardization(net, mean, stddev, target_mean, target_stddev), NNET_OK);
    CHECK_STATUS(nnet_set_names(net, inputs, NULL, 0, classes, 2), NNET_OK);
    back = load_edited(net, "\"crc32\"", "\"crc32\"");   // unedited: loads
    CHECK(back && back->input_mean && back->target_stddev && back->target_stddev[0] == 6.0f && back->class_names &&
          !strcmp(back->class_names[1], "y"));
    nnet_free(back);
    for (k = 0; k < (int)(sizeof cases / sizeof cases[0]); k++) {
        back = load_edited(net, cases[k].from, cases[k].to);
        CHECK(back == NULL && strstr(nnet_error(), cases[k].message));
        if (back || !strstr(nnet_error(), cases[k].message)) printf("  case %d: %s\n", k, nnet_error());
        nnet_free(back);
    }
    nnet_free(net);
}

int main(void) {
    RUN(test_predict_raw);
    RUN(test_predict_raw_chunks);
    RUN(test_setters_refuse);
    RUN(test_round_trip);
    RUN(test_without);
    RUN(test_bad_metadata);
    return test_summary("test_preprocess");
}
