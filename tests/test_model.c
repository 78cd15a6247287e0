/* tests/test_model.c - model files: save/load round trips, the byte layout,
   atomic saves, every malformed file of tests/data/model/make.py, weights from
   PyTorch, static networks and the C export. Run from the repository root. */
#define _POSIX_C_SOURCE 200809L   /* mkdtemp, setrlimit, opendir */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include "data/model/tiny_model.h"   /* exported from tiny.safetensors by nnet_export_c */
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA "tests/data/model/"

static char tmp_dir[256];

static void tmp_path(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", tmp_dir, name); }

// The files in the temporary directory, besides the ones expected.
static int stray_files(const char *keep) {
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    int stray = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !(keep && strcmp(e->d_name, keep) == 0)) {
            printf("  stray file %s\n", e->d_name);
            stray++;
        }
    closedir(d);
    return stray;
}

static nnet *make_net(int inputs, int hidden, int outputs, uint64_t seed) {
    nnet_desc d;
    memset(&d, 0, sizeof d);
    d.n_inputs = inputs; d.n_layers = 3;
    d.sizes[0] = hidden; d.sizes[1] = hidden; d.sizes[2] = outputs;
    d.activations[1] = NNET_ACT_LEAKY_RELU;
    d.dropout[0] = 0.25f; d.leaky_slope = 0.1f; d.seed = seed;
    return nnet_create(&d);
}

static int loads(const char *path) {
    nnet *net = nnet_load(path);
    nnet_free(net);
    return net != NULL;
}

// rows x cols floats of a probe file (# comment line first).
static int read_probe(const char *path, float *values, int count) {
    FILE *f = fopen(path, "r");
    char line[512];
    int i;
    if (!f) return 0;
    if (!fgets(line, sizeof line, f)) { fclose(f); return 0; }
    for (i = 0; i < count; i++) if (fscanf(f, "%f", &values[i]) != 1) break;
    fclose(f);
    return i == count;
}

static void test_crc32(void) {
    const unsigned char *check = (const unsigned char *)"123456789";
    CHECK(nnet__crc32(0, check, 9) == 0xCBF43926u);   // the standard check value
    CHECK(nnet__crc32(nnet__crc32(0, check, 4), check + 4, 5) == 0xCBF43926u);
    CHECK(nnet__crc32(0, check, 0) == 0);
}

static void test_round_trip(void) {
    nnet *net = make_net(7, 5, 3, 11), *back;
    char path[300];
    float x[4 * 7], p1[4 * 3], p2[4 * 3];
    size_t size = 0, file_size = 0;
    unsigned char *memory, *file;
    nnet_rng rng;
    int i, l;
    CHECK(net != NULL);
    if (!net) return;
    nnet_rng_seed(&rng, 3);
    for (i = 0; i < 4 * 7; i++) x[i] = nnet_rng_normal(&rng);
    tmp_path(path, sizeof path, "round.safetensors");
    CHECK_STATUS(nnet_save(net, path), NNET_OK);
    back = nnet_load(path);
    CHECK(back != NULL);
    if (!back) { nnet_free(net); return; }
    CHECK(back->n_parameters == net->n_parameters && back->n_inputs == 7 && back->n_layers == 3);
    CHECK(memcmp(back->parameters, net->parameters, net->n_parameters * sizeof(float)) == 0);
    CHECK(back->loss == net->loss && back->leaky_slope == net->leaky_slope);
    for (l = 0; l < 3; l++)
        CHECK(back->layers[l].activation == net->layers[l].activation && back->layers[l].dropout == net->layers[l].dropout &&
              back->layers[l].n_outputs == net->layers[l].n_outputs);
    CHECK_STATUS(nnet_predict(net, nnet_mat_view(4, 7, x), nnet_mat_view(4, 3, p1)), NNET_OK);
    CHECK_STATUS(nnet_predict(back, nnet_mat_view(4, 7, x), nnet_mat_view(4, 3, p2)), NNET_OK);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    // The memory writer gives the same bytes as the file; a size query first.
    CHECK_STATUS(nnet_save_to_memory(net, NULL, 0, &size), NNET_OK);
    memory = (unsigned char *)malloc(size);
    file = test_read_file(path, &file_size);
    CHECK(memory && file && file_size == size);
    if (memory && file) {
        CHECK_STATUS(nnet_save_to_memory(net, memory, size, &size), NNET_OK);
        CHECK(memcmp(memory, file, size) == 0);
        CHECK_ERROR(nnet_save_to_memory(net, memory, size - 1, &size), NNET_ERR_ARGUMENT, "needs");
    }
    CHECK(stray_files("round.safetensors") == 0);
    remove(path);
    free(memory); free(file);
    nnet_free(back);
    nnet_free(net);
}

// The header length is little-endian and a multiple of 8, the header padded
// with spaces, and a known weight's bytes sit little-endian at its offset.
static void test_little_endian_layout(void) {
    nnet *net = make_net(3, 4, 2, 5);
    size_t size = 0, offset;
    unsigned char *bytes;
    uint64_t header = 0;
    uint32_t bits;
    int i;
    if (!net) { CHECK(net != NULL); return; }
    net->layers[1].weight.data[2] = -1.5f;   // 0xBFC00000
    nnet_save_to_memory(net, NULL, 0, &size);
    bytes = (unsigned char *)malloc(size);
    CHECK_STATUS(nnet_save_to_memory(net, bytes, size, &size), NNET_OK);
    for (i = 7; i >= 0; i--) header = header << 8 | bytes[i];
    CHECK(header % 8 == 0 && 8 + header < size && bytes[8] == '{');
    CHECK(bytes[8 + header - 1] == ' ' || bytes[8 + header - 1] == '}');
    offset = 8 + (size_t)header + 4 * (size_t)(net->layers[1].weight.data + 2 - net->parameters);
    CHECK(bytes[offset] == 0x00 && bytes[offset + 1] == 0x00 && bytes[offset + 2] == 0xC0 && bytes[offset + 3] == 0xBF);
    // every parameter, assembled from its bytes, equals the weight bit for bit
    for (i = 0; i < (int)net->n_parameters; i++) {
        const unsigned char *p = bytes + 8 + header + 4 * (size_t)i;
        bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (bits != nnet__float_bits(net->parameters[i])) { CHECK(!"parameter bytes differ"); break; }
    }
    CHECK(size == 8 + header + 4 * net->n_parameters);
    free(bytes);
    nnet_free(net);
}

// A failed save leaves the old file intact and no temporary file behind.
static void test_atomic_save(void) {
    nnet *good = make_net(4, 6, 3, 1), *big = make_net(784, 64, 10, 2), *back;
    char path[300], missing[300];
    struct rlimit old_limit, limit;
    if (!good || !big) { CHECK(!"nets"); nnet_free(good); nnet_free(big); return; }
    tmp_path(path, sizeof path, "atomic.safetensors");
    CHECK_STATUS(nnet_save(good, path), NNET_OK);
    // The write itself fails half-way: the file size limit is below the new model's size.
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_limit);
    limit = old_limit;
    limit.rlim_cur = 4096;
    CHECK(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    CHECK_ERROR(nnet_save(big, path), NNET_ERR_IO, "could not write");   // the write step failed
    setrlimit(RLIMIT_FSIZE, &old_limit);
    back = nnet_load(path);
    CHECK(back != NULL && back->n_inputs == 4);
    if (back) CHECK(memcmp(back->parameters, good->parameters, good->n_parameters * sizeof(float)) == 0);
    nnet_free(back);
    CHECK(stray_files("atomic.safetensors") == 0);
    // A directory that does not exist.
    tmp_path(missing, sizeof missing, "no/such/dir/model.safetensors");
    CHECK_ERROR(nnet_save(good, missing), NNET_ERR_IO, "could not create");
    CHECK(stray_files("atomic.safetensors") == 0);
    // A read-only directory (root may write anywhere, so only as a user).
    if (geteuid() != 0) {
        CHECK(chmod(tmp_dir, 0555) == 0);
        CHECK_ERROR(nnet_save(big, path), NNET_ERR_IO, "could not create");
        chmod(tmp_dir, 0755);
        CHECK(loads(path));
    }
    remove(path);
    nnet_free(good);
    nnet_free(big);
}

// Each malformed file gives its own error, which names the file.
static void test_malformed_files(void) {
    static const char *const cases[][2] = {
        {"trunc_length", "too short"},      {"trunc_header", "past the end"},
        {"trunc_data", "truncated"},         {"len_overflow", "limit"},
        {"len_huge", "limit"},               {"len_past_end", "past the end"},
        {"not_brace", "start with '{'"},     {"broken_json", "broken JSON"},
        {"trailing", "after the closing"},   {"deep_nesting", "nested deeper"},
        {"not_utf8", "UTF-8"},               {"duplicate_tensor", "duplicate key"},
        {"duplicate_dtype", "duplicate key \"dtype\""}, {"duplicate_metadata", "duplicate key \"loss\""},
        {"dtype_f16", "dtype \"F16\"; nnet reads only F32"}, {"shape_bytes", "by its shape"},
        {"shape_overflow", "overflows"},     {"offsets_not_zero", "start at 0"},
        {"offsets_overlap", "overlap"},      {"offsets_gap", "a gap of 4 bytes"},
        {"data_longer", "after the last tensor"}, {"no_chain", "do not chain"},
        {"bad_crc", "CRC-32"},               {"nan", "NaN"},
        {"inf", "Inf"},                      {"no_metadata", "no __metadata__"},
        {"bad_activation", "activation names"}, {"bad_dropout", "dropout rates"},
        {"layers_17", "layer count"},        {"layers_0", "layer count"},
        {"version_3", "HINT"},               {"meta_not_string", "not a string"},
        {"zero_bytes", "empty"}};
    nnet *tiny = nnet_load(DATA "tiny.safetensors");
    float before[TINY_N_PARAMETERS];
    char path[300], name[64];
    size_t i;
    CHECK(tiny != NULL);
    if (!tiny) return;
    memcpy(before, tiny->parameters, sizeof before);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(name, sizeof name, "bad_%s.safetensors", cases[i][0]);
        snprintf(path, sizeof path, DATA "%s", name);
        CHECK_ERROR(loads(path), 0, cases[i][1]);
        if (!strstr(nnet_error(), name)) { CHECK(!"the message names the file"); printf("  %s\n", nnet_error()); }
        // Loading only the weights never crashes and leaves the net unchanged when it fails.
        if (nnet_load_weights(tiny, path) != NNET_OK) CHECK(memcmp(before, tiny->parameters, sizeof before) == 0);
    }
    CHECK_ERROR(loads(tmp_dir), 0, "directory");
    CHECK_ERROR(loads(DATA "no_such_file.safetensors"), 0, "could not open");
    CHECK(nnet_load_from_memory(NULL, 0) == NULL && strstr(nnet_error(), "empty"));
    CHECK(nnet_load_from_memory(NULL, 10) == NULL && strstr(nnet_error(), "NULL"));
    nnet_free(tiny);
}

// Hand-written headers: what the parser accepts and refuses beyond make.py.
static void test_json_details(void) {
    // null metadata, an escaped name, keys in any order, an unknown nested value
    static const char good[] =
        "{\"__metadata__\":null,\"0.w\\u0065ight\":{\"shape\":[1,1],\"dtype\":\"F32\",\"data_offsets\":[0,4],\"x\":[{\"a\":[1.5e-3,true,null]}]},"
        "\"0.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
    static const char *const bad[][2] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "broken JSON"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", "leading zero"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", "fraction"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "more than 2"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "no data_offsets"},
        {"{\"a\\ud800\":{}}", "surrogate"},
        {"{\"a\\u0000\":{}}", "u0000"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "end before begin"},
        {"{\"a\":[]}", "not an object"},
        {"{}", "no tensors"},
        {" {}", "start with '{'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"z\":tru}}", "expected a value"},
    };
    unsigned char file[1024];
    nnet_desc d;
    nnet *net;
    size_t i, n;
    memset(&d, 0, sizeof d);
    d.n_inputs = 1; d.n_layers = 1; d.sizes[0] = 1; d.activations[0] = NNET_ACT_IDENTITY;
    net = nnet_create(&d);
    if (!net) { CHECK(net != NULL); return; }
    for (i = 0; i < sizeof bad / sizeof bad[0] + 1; i++) {
        const char *h = i == 0 ? good : bad[i - 1][0];
        size_t k, len = strlen(h), padded = (len + 7) / 8 * 8;
        memset(file, 0, sizeof file);
        for (k = 0; k < 8; k++) file[k] = (unsigned char)((uint64_t)padded >> (8 * k));
        memcpy(file + 8, h, len);
        memset(file + 8 + len, ' ', padded - len);
        file[8 + padded + 2] = 0x80; file[8 + padded + 3] = 0x3F;   // 1.0f, then 0.0f for the bias
        n = 8 + padded + (i == 0 ? 8 : 4);
        if (i == 0) {
            CHECK_STATUS(nnet_load_weights_from_memory(net, file, n), NNET_OK);
            CHECK(net->parameters[0] == 1.0f && net->parameters[1] == 0.0f);
        } else CHECK_ERROR(nnet_load_weights_from_memory(net, file, n), NNET_ERR_FORMAT, bad[i - 1][1]);
    }
    CHECK(nnet__natural_compare("10.weight", "2.weight") > 0);
    CHECK(nnet__natural_compare("layers.9.bias", "layers.10.bias") < 0);
    CHECK(nnet__natural_compare("a007", "a7") == 0 && nnet__natural_compare("0.bias", "0.weight") < 0);
    nnet_free(net);
}

// The PyTorch nn.Sequential file (make_torch.py) loads into a net we build.
static void test_torch_weights(void) {
    nnet_desc d;
    nnet *net, *wrong;
    float probe[6 * 7], x[6 * 4], y[6 * 3];
    int sizes[6] = {5, 6, 5, 6, 5, 3}, l, i, j;
    memset(&d, 0, sizeof d);
    d.n_inputs = 4; d.n_layers = 6;
    for (l = 0; l < 6; l++) { d.sizes[l] = sizes[l]; d.activations[l] = l < 5 ? NNET_ACT_RELU : NNET_ACT_IDENTITY; }
    net = nnet_create(&d);
    CHECK(net != NULL && read_probe(DATA "torch_probe.txt", probe, 6 * 7));
    if (!net) return;
    CHECK_STATUS(nnet_load_weights(net, DATA "torch_sequential.safetensors"), NNET_OK);
    for (i = 0; i < 6; i++) for (j = 0; j < 4; j++) x[i * 4 + j] = probe[i * 7 + j];
    CHECK_STATUS(nnet_predict(net, nnet_mat_view(6, 4, x), nnet_mat_view(6, 3, y)), NNET_OK);
    for (i = 0; i < 6; i++) for (j = 0; j < 3; j++) CHECK_NEAR(y[i * 3 + j], probe[i * 7 + 4 + j], 1e-5);
    // nnet_load wants nnet's metadata; shapes and layer counts must match.
    CHECK_ERROR(loads(DATA "torch_sequential.safetensors"), 0, "format is \"pt\"");
    d.sizes[2] = 7;
    wrong = nnet_create(&d);
    CHECK_ERROR(nnet_load_weights(wrong, DATA "torch_sequential.safetensors"), NNET_ERR_FORMAT, "do not fit");
    nnet_free(wrong);
    d.n_layers = 5; d.sizes[2] = 5; d.sizes[4] = 3;
    wrong = nnet_create(&d);
    CHECK_ERROR(nnet_load_weights(wrong, DATA "torch_sequential.safetensors"), NNET_ERR_FORMAT, "6 Linear layers");
    nnet_free(wrong);
    // nnet's own file loads the same way.
    wrong = nnet_load(DATA "tiny.safetensors");
    if (wrong) {
        float saved[TINY_N_PARAMETERS];
        memcpy(saved, wrong->parameters, sizeof saved);
        memset(wrong->parameters, 0, sizeof saved);
        CHECK_STATUS(nnet_load_weights(wrong, DATA "tiny.safetensors"), NNET_OK);
        CHECK(memcmp(saved, wrong->parameters, sizeof saved) == 0);
    }
    nnet_free(wrong);
    nnet_free(net);
}

// tiny_model.h (the C export) builds the same network as tiny.safetensors,
// and the golden outputs of tiny_probe.txt still come out.
static void test_static_network(void) {
    nnet net, *loaded = nnet_load(DATA "tiny.safetensors");
    float probe[8 * 7], x[8 * 4], p_static[8 * 3], p_loaded[8 * 3], t[3] = {1, 0, 0};
    int c_static[8], c_loaded[8], i, j;
    static float wide[20 * 19];
    CHECK(loaded != NULL && read_probe(DATA "tiny_probe.txt", probe, 8 * 7));
    if (!loaded) return;
    CHECK_STATUS(nnet_init_static(&net, &tiny_desc, tiny_parameters), NNET_OK);
    CHECK(nnet_predict_scratch_floats(&net, TINY_BATCH) == TINY_SCRATCH_FLOATS);
    CHECK(net.n_parameters == TINY_N_PARAMETERS && loaded->n_parameters == TINY_N_PARAMETERS);
    CHECK(memcmp(tiny_parameters, loaded->parameters, sizeof tiny_parameters) == 0);
    CHECK(net.leaky_slope == loaded->leaky_slope && net.loss == loaded->loss);
    for (i = 0; i < 8; i++) for (j = 0; j < 4; j++) x[i * 4 + j] = probe[i * 7 + j];
    // One row at a time through the exported scratch: no allocation.
    CHECK_STATUS(nnet_predict_with(&net, nnet_mat_view(8, 4, x), nnet_mat_view(8, 3, p_static), TINY_BATCH,
                                   tiny_scratch, TINY_SCRATCH_FLOATS), NNET_OK);
    CHECK_STATUS(nnet_predict(loaded, nnet_mat_view(8, 4, x), nnet_mat_view(8, 3, p_loaded)), NNET_OK);
    CHECK(memcmp(p_static, p_loaded, sizeof p_static) == 0);
    CHECK_STATUS(nnet_predict_classes(&net, nnet_mat_view(8, 4, x), c_static), NNET_OK);
    CHECK_STATUS(nnet_predict_classes(loaded, nnet_mat_view(8, 4, x), c_loaded), NNET_OK);
    CHECK(memcmp(c_static, c_loaded, sizeof c_static) == 0);
    for (i = 0; i < 8 * 3; i++) CHECK_NEAR(p_loaded[i], probe[(i / 3) * 7 + 4 + i % 3], 1e-6);
    // Scratch for 1 row does not take chunks of 2; training is refused.
    CHECK_ERROR(nnet_predict_with(&net, nnet_mat_view(8, 4, x), nnet_mat_view(8, 3, p_static), 2, tiny_scratch,
                                  TINY_SCRATCH_FLOATS), NNET_ERR_ARGUMENT, "expected 38");
    CHECK_ERROR(nnet_forward(&net, nnet_mat_view(2, 4, x), 0, NULL), NNET_ERR_ARGUMENT, "for inference only");
    CHECK_ERROR(nnet_backward(&net, nnet_mat_view(1, 4, x), nnet_mat_view(1, 3, t), 0.0f), NNET_ERR_ARGUMENT, "cannot be trained");
    CHECK_ERROR(nnet_load_weights(&net, DATA "tiny.safetensors"), NNET_ERR_ARGUMENT, "read-only");
    {
        nnet_train_desc desc;
        size_t size;
        memset(&desc, 0, sizeof desc);
        CHECK_ERROR(nnet_optimizer_step(&net, &desc, 0.1f), NNET_ERR_ARGUMENT, "nnet_init_static");
        CHECK_ERROR(nnet_save_checkpoint_to_memory(&net, NULL, 0, &size), NNET_ERR_ARGUMENT, "no training state");
        CHECK_STATUS(nnet_save_to_memory(&net, NULL, 0, &size), NNET_OK);   // the model itself saves
    }
    nnet_zero_grad(&net);
    {   // frees nothing (ASan would catch a free of stack memory); called through a
        // pointer so that gcc does not warn about freeing a non-heap object
        void (*volatile free_net)(nnet *) = nnet_free;
        free_net(&net);
    }
    // Wider scratch takes larger chunks.
    CHECK_STATUS(nnet_predict_with(&net, nnet_mat_view(8, 4, x), nnet_mat_view(8, 3, p_static), 20, wide, 20 * 19), NNET_OK);
    CHECK(memcmp(p_static, p_loaded, sizeof p_static) == 0);
    CHECK_ERROR(nnet_init_static(&net, &tiny_desc, NULL), NNET_ERR_ARGUMENT, "parameters is NULL");
    nnet_free(loaded);
}

// Exporting tiny.safetensors again gives tiny_model.h exactly.
static void test_export_regenerates(void) {
    nnet *net = nnet_load(DATA "tiny.safetensors");
    char path[300];
    unsigned char *fresh, *committed;
    size_t n_fresh = 0, n_committed = 0;
    if (!net) { CHECK(net != NULL); return; }
    tmp_path(path, sizeof path, "tiny_model.h");
    CHECK_STATUS(nnet_export_c(net, path, "tiny"), NNET_OK);
    fresh = test_read_file(path, &n_fresh);
    committed = test_read_file(DATA "tiny_model.h", &n_committed);
    CHECK(fresh && committed && n_fresh == n_committed && memcmp(fresh, committed, n_fresh) == 0);
    CHECK_ERROR(nnet_export_c(net, path, "9lives"), NNET_ERR_ARGUMENT, "C identifier");
    CHECK_ERROR(nnet_export_c(net, path, "a-b"), NNET_ERR_ARGUMENT, "C identifier");
    net->parameters[3] = NAN;
    CHECK_ERROR(nnet_export_c(net, path, "tiny"), NNET_ERR_ARGUMENT, "finite");
    CHECK_ERROR(nnet_save(net, path), NNET_ERR_ARGUMENT, "finite");
    CHECK(stray_files("tiny_model.h") == 0);
    remove(path);
    free(fresh); free(committed);
    nnet_free(net);
}

int main(void) {
    char dir[] = "/tmp/nnet_test_model_XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(tmp_dir, sizeof tmp_dir, "%s", dir);
    RUN(test_crc32);
    RUN(test_round_trip);
    RUN(test_little_endian_layout);
    RUN(test_atomic_save);
    RUN(test_malformed_files);
    RUN(test_json_details);
    RUN(test_torch_weights);
    RUN(test_static_network);
    RUN(test_export_regenerates);
    {   // clean up the temporary directory
        char path[300];
        const char *names[] = {"round.safetensors", "atomic.safetensors", "tiny_model.h"};
        int i;
        for (i = 0; i < 3; i++) { tmp_path(path, sizeof path, names[i]); remove(path); }
        rmdir(tmp_dir);
    }
    return test_summary("test_model");
}
