/* bench/web_epoch.c - the web page's training epoch (web/nnet_wasm.c's
   web_train: 784-128-10, Adam, batches of 32, shifts of 1 pixel, the test
   set scored at the end), built natively to compare with the browser's:
     cc -O3 -mno-avx -I. bench/web_epoch.c -o bench/web_epoch_sse2 -lstb -lm
   Run from the repository root: ./bench/web_epoch_sse2 [runs]
   prints one line per run: "epoch S" with S the seconds nnet_train reports
   for the epoch (nnet_epoch_stats.seconds, as the page shows). */
#include <stb/stb_image.h>   /* the .gz files */
#include "../web/nnet_wasm.c"
#include <stdio.h>

static double epoch_seconds;

int web_progress(int epoch, int epochs, int batch, int batches, double loss, double accuracy, double seconds,
                 int end, double test_loss, double test_accuracy) {
    (void)epoch; (void)epochs; (void)batch; (void)batches; (void)loss; (void)accuracy; (void)test_loss; (void)test_accuracy;
    if (end) epoch_seconds = seconds;
    return 0;
}

static void *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *bytes = NULL;
    long n = -1;
    *size = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (bytes = (unsigned char *)malloc((size_t)n))) {
        if (fread(bytes, 1, (size_t)n, f) == (size_t)n) *size = (size_t)n;
        else { free(bytes); bytes = NULL; }
    }
    if (f) fclose(f);
    return bytes;
}

static nnet_dataset *load(const char *images_path, const char *labels_path) {
    size_t images_size = 0, labels_size = 0;
    void *images = read_all(images_path, &images_size), *labels = read_all(labels_path, &labels_size);
    nnet_dataset *data = images && labels ? web_dataset_load(images, images_size, labels, labels_size) : NULL;
    free(images); free(labels);
    return data;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 3, r;
    nnet_dataset *train = load("data/mnist-sample/train-images-idx3-ubyte.gz", "data/mnist-sample/train-labels-idx1-ubyte.gz");
    nnet_dataset *test = load("data/mnist-sample/t10k-images-idx3-ubyte.gz", "data/mnist-sample/t10k-labels-idx1-ubyte.gz");
    if (!train || !test) { fprintf(stderr, "web_epoch: %s\n", nnet_error()); return 1; }
    for (r = 0; r < runs; r++) {
        nnet *net = web_net_create(128, 1 + r);
        if (!net || web_train(net, train, test, 1, 0.003f, 32, 1, 1 + r) != NNET_OK) { fprintf(stderr, "web_epoch: %s\n", nnet_error()); return 1; }
        printf("epoch %.4f\n", epoch_seconds);
        web_net_free(net);
    }
    nnet_dataset_free(train); nnet_dataset_free(test);
    return 0;
}
