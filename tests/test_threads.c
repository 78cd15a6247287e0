/* tests/test_threads.c - inference on a const network is thread-safe: four
   threads predict, classify and evaluate with one network at once and get
   exactly what one thread gets alone. `make test` also builds it with
   clang's ThreadSanitizer (tests/tsan_threads), which reports any data race. */
#define _POSIX_C_SOURCE 200809L   /* pthreads */
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"
#include <pthread.h>

#define N 300      // rows: two chunks of the allocating functions (256 rows each)
#define THREADS 4

typedef struct job {
    const nnet *net;
    const nnet_dataset *data;
    float P[N * 3];
    int classes[N], status;
    double loss, accuracy;
} job;

static void *predict_everything(void *arg) {
    job *j = (job *)arg;
    int round;
    for (round = 0; round < 20 && j->status == NNET_OK; round++) {
        j->status = nnet_predict(j->net, j->data->inputs, nnet_mat_view(N, 3, j->P));
        if (j->status == NNET_OK) j->status = nnet_predict_classes(j->net, j->data->inputs, j->classes);
        if (j->status == NNET_OK) j->status = nnet_evaluate(j->net, j->data, &j->loss, &j->accuracy);
    }
    return NULL;
}

static void four_threads_predict_as_one(void) {
    nnet_dataset *data = nnet_dataset_create(N, 12, 3);
    nnet_desc d;
    nnet_rng rng;
    nnet *net;
    job alone, *jobs = (job *)malloc(THREADS * sizeof(job));
    pthread_t threads[THREADS];
    int i, k, same = 1;
    CHECK(data && jobs);
    if (!data || !jobs) return;
    nnet_rng_seed(&rng, 8);
    for (i = 0; i < N * 12; i++) data->inputs.data[i] = nnet_rng_normal(&rng);
    for (i = 0; i < N; i++) data->labels[i] = i % 3;
    memset(&d, 0, sizeof d);
    d.n_inputs = 12; d.n_layers = 3; d.sizes[0] = 20; d.sizes[1] = 16; d.sizes[2] = 3; d.dropout[0] = 0.3f; d.seed = 2;
    net = nnet_create(&d);
    CHECK(net != NULL);
    if (!net) return;
    memset(&alone, 0, sizeof alone);
    alone.net = net; alone.data = data;
    predict_everything(&alone);
    CHECK_STATUS(alone.status, NNET_OK);
    for (i = 0; i < THREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].net = net; jobs[i].data = data;
        CHECK(pthread_create(&threads[i], NULL, predict_everything, &jobs[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    for (i = 0; i < THREADS; i++) {
        CHECK_STATUS(jobs[i].status, NNET_OK);
        same &= !memcmp(jobs[i].P, alone.P, sizeof alone.P) && !memcmp(jobs[i].classes, alone.classes, sizeof alone.classes);
        same &= jobs[i].loss == alone.loss && jobs[i].accuracy == alone.accuracy;
    }
    CHECK(same);
    for (k = 0, i = 0; i < N * 3; i++) k += alone.P[i] > 0.0f && alone.P[i] < 1.0f;
    CHECK(k == N * 3);   // real probabilities came out
    printf("  %d threads x 20 rounds of predict, classify and evaluate on one network: identical to one thread\n", THREADS);
    free(jobs);
    nnet_free(net);
    nnet_dataset_free(data);
}

int main(void) {
    RUN(four_threads_predict_as_one);
    return test_summary("test_threads");
}
