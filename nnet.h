/* nnet.h - v0.2 - multilayer perceptrons in one C file - public domain or MIT

   Do this:
      #define NNET_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the
   implementation. Every other file just includes it:

      #include ...
      #define NNET_IMPLEMENTATION
      #include "nnet.h"

   QUICK START (train a 784-128-10 classifier and use it)

      nnet_desc d = {0};                       // zero means "default"; in C++: = {}
      d.n_inputs = 784; d.n_layers = 2;
      d.sizes[0] = 128; d.sizes[1] = 10;       // ReLU hidden, softmax output
      nnet *net = nnet_create(&d);             // Kaiming init, seed 0
      if (!net) { fprintf(stderr, "%s\n", nnet_error()); return 1; }

      nnet_train_desc t = {0};                 // SGD; NNET_ADAM, NNET_ADAMW too
      t.epochs = 10; t.batch_size = 32; t.learning_rate = 0.05f;
      t.momentum = 0.9f; t.schedule = NNET_SCHEDULE_COSINE;
      if (nnet_train(net, train, test, &t, NULL, NULL) != NNET_OK)
          fprintf(stderr, "%s\n", nnet_error());

      int *predicted = malloc(test->inputs.rows * sizeof(int));
      nnet_predict_dataset(net, test, NULL, predicted);
      nnet_free(net);

   HOW THE FILE READS
      Part I, the network: errors, random numbers, matrices with the plain
      matrix product, activations, losses, initialisers, the dense layer
      (forward beside backward), the network, optimisers, the training loop.
      Part II, data and files: datasets, inference and metrics, IDX and gzip,
      CSV, images, model files and checkpoints, int8 models for
      microcontrollers (docs/microcontrollers.md). Part III, the fast path: SIMD
      kernels, tiling and packing, the thread team. Part I reaches Part III
      only through the seam of five functions declared before Part I; build with
      -DNNET_REFERENCE and Part III is left out, so what runs is Part I's
      plain loops (docs/guide.md shows how to step through them in gdb).

   COMPILE-TIME OPTIONS (define before including; "all TUs" means every file
   that includes nnet.h must agree, "impl TU" only the NNET_IMPLEMENTATION one)
      NNET_STATIC          all TUs   make every function static (private copy)
      NNET_MAX_LAYERS      all TUs   most layers a network has; default 16
      NNET_ASSERT(x)       impl TU   internal invariant check; default assert()
      NNET_MALLOC(size)    impl TU   allocator; define NNET_FREE(p) with it
      NNET_FREE(p)         impl TU   (all-or-none: defining one alone is an #error).
                                     Each block asks for 72 bytes more, to start
                                     the data on a 64-byte cache line
      NNET_MAX_DIM         impl TU   largest dimension accepted from a caller or
                                     a file; default 16777216 (2^24)
      NNET_NO_STDIO        all TUs   drop every function that takes a FILE* or a path
      NNET_REFERENCE       impl TU   the reading build: Part I's plain loops
                                     only (no SIMD, no tiling, no threads)
      NNET_NO_SIMD         impl TU   Part III's tiled kernels in portable C even
                                     where AVX2/AVX-512 or WebAssembly SIMD128 is on
      NNET_USE_CBLAS       impl TU   matrix products through cblas_sgemm (link a
                                     CBLAS, e.g. -lopenblas), for comparison
      -fopenmp             impl TU   (compiler flag) nnet_train_desc.threads > 1 runs
                                     the products on that many threads; without it
                                     they run on one. Results are bit-identical.
                                     With no more threads than cores they form a
                                     team for the whole of nnet_train; a thread
                                     without work spins for 0.2 ms, then sleeps.
                                     On a shared machine, where the team is not
                                     faster than one thread, nnet_train runs on
                                     one (section 18).
      stb_image            impl TU   not a macro you define: #include <stb/stb_image.h>
                                     (Debian's libstb-dev) before the
                                     NNET_IMPLEMENTATION include and link -lstb, and
                                     .gz IDX files are read with its inflater. nnet.h
                                     detects it by its include guard
                                     STBI_INCLUDE_STB_IMAGE_H; without it a .gz file
                                     or an image fails with a message saying this.
      NNET_NO_PNG          impl TU   leave image decoding out even when stb_image
                                     is included (the .gz reader stays)
      NNET_IMAGE_MAX_SIDE  impl TU   largest image side decoded; default 8192
      NNET_IMAGE_MAX_PIXELS impl TU  largest image area decoded; default 2^26
      NNET_CSV_MAX_COLUMNS impl TU   most columns a CSV file may have; default 2^20
      NNET_IMAGE_MAX_BYTES impl TU   largest image decoded, in bytes: width x height
                                     x channels x bytes a channel (2 at 16 bits);
                                     default 2^27 (128 MiB; see section 14)

   CONVENTIONS
      Shapes. Matrices are float32, row-major, one sample per row. In shape
      comments B = batch size (rows), I = inputs of a layer, O = outputs of a
      layer, N = samples in a dataset, C = classes. A layer's weight is (O, I),
      as in PyTorch's nn.Linear, so the forward pass is Y = f(X W^T + b).
      Targets. A dataset holds integer class labels (classification) or a
      float target matrix (N, O) (regression, several labels per sample);
      the losses, nnet_backward and nnet_train work on target matrices, which
      nnet_labels_to_targets builds from labels.
      Ownership. The caller owns what it passes in. Everything a *_create or
      *_load returns is freed by the matching *_free (never by free()); freeing
      NULL is a no-op. What the library allocates starts on a 64-byte line.
      Errors. Fallible functions return an int status: NNET_OK (0) or a negative
      NNET_ERR_* code. Constructors and loaders return NULL on failure. Either
      way nnet_error() then returns a sentence saying what failed and where
      (per thread). The library never prints, exits or aborts on bad input;
      NNET_ASSERT guards only internal invariants.
      Randomness. Everything random (initial weights, shuffling, dropout) comes
      from an nnet_rng seeded by the caller: one seed, bit-identical results
      for any thread count on one machine and build (other compilers and CPUs
      may round differently).
      Threads. Inference (nnet_predict*, nnet_evaluate) only reads the network,
      so any number of threads may run it on one network at once. Training
      changes the network: one thread at a time.

   FILE FORMATS
      IDX (MNIST, Fashion-MNIST; section 12). Bytes 0-1 are zero, byte 2 is
      the element type (08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64), byte 3
      the rank r (1..8); then r big-endian u32 dimensions, each at most
      NNET_MAX_DIM, then the elements, big-endian, row-major. The file must
      be exactly as long as the header says. A file starting 1f 8b is gzip
      (RFC 1952, one member, every optional header field allowed; CRC-32 and
      ISIZE checked; at most 1 GiB inflated), read when stb_image is included.
      CSV (section 13). Text, one sample per line, cells separated by commas,
      semicolons or tabs (detected), an optional header row, quoted cells
      with "" for a quote, LF or CRLF, a UTF-8 byte-order mark; the target
      column(s) by name or index, a column of words becoming class labels.
      Model files (section 15; byte by byte in docs/model-format.md). The
      safetensors layout: a u64 little-endian header length n, n bytes of JSON
      (padded with spaces to a multiple of 8), then float32 little-endian data.
      Tensors "layers.N.weight" [O, I] and "layers.N.bias" [O]; "__metadata__"
      holds format "nnet", format_version "2", the sizes, activations, dropout
      rates, loss, leaky slope, Huber delta and the CRC-32 of the data section,
      and when set the standardisation statistics and the input, target and
      class names (nnet_set_standardization, nnet_set_names).
      A checkpoint adds the optimiser state as "layers.N.weight.<state>" tensors
      and the training position (epoch, optimiser steps, random state) in the
      metadata. Version 1 files still load. Python reads it with json + numpy
      or the safetensors package; PyTorch takes the weights.

   LICENSE: see the end of the file.

   RECENT CHANGES
      0.2  targets of any kind (regression, several labels; MAE and Huber
           losses, regression metrics); Adam and AdamW, gradient clipping and
           warm-up; nnet_train resumes where it stopped, checkpoints, early
           stopping; thread-safe inference on a const network; the file in
           three parts with a reading build (NNET_REFERENCE); CSV files;
           standardisation and names saved with the model (nnet_predict_raw).
      0.1  first release: dense layers, six activations, three losses,
           seven initialisers, dropout, L2, SGD with momentum and schedules,
           register-tiled GEMM with OpenMP threads, metrics and reports, IDX
           and .gz loading, MNIST-style image input, safetensors model files
           and C export.
*/
#ifndef NNET_H_INCLUDED
#define NNET_H_INCLUDED

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* uint64_t, uint32_t */
#ifndef NNET_NO_STDIO
#include <stdio.h>    /* FILE for the report printers */
#endif

#define NNET_VERSION_MAJOR 0
#define NNET_VERSION_MINOR 2
#define NNET_VERSION_STRING "0.2"

#if defined(NNET_STATIC) && (defined(__GNUC__) || defined(__clang__))
#define NNETDEF static __attribute__((unused))  /* a private copy need not call everything */
#elif defined(NNET_STATIC)
#define NNETDEF static
#else
#define NNETDEF extern
#endif

#ifndef NNET_MAX_LAYERS
#define NNET_MAX_LAYERS 16
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================== */
/*                            PART I  THE NETWORK                             */
/* ========================================================================== */

// ---- 1. Errors -------------------------------------------------------------
// Every status code with its short meaning, kept in one list so the enum and
// the names can never disagree.
#define NNET_STATUS_LIST(X)                                              \
    X(NNET_OK,               0, "success")                               \
    X(NNET_ERR_ARGUMENT,    -1, "invalid argument")                      \
    X(NNET_ERR_MEMORY,      -2, "out of memory")                         \
    X(NNET_ERR_IO,          -3, "file could not be read or written")     \
    X(NNET_ERR_FORMAT,      -4, "malformed data")                        \
    X(NNET_ERR_DIVERGED,    -5, "training diverged (loss not finite)")   \
    X(NNET_ERR_UNSUPPORTED, -6, "feature not compiled in")

typedef enum nnet_status {
#define NNET__STATUS_ENUM(name, value, text) name = value,
    NNET_STATUS_LIST(NNET__STATUS_ENUM)
#undef NNET__STATUS_ENUM
    NNET_STATUS_END_ = 1
} nnet_status;

// The last error message of this thread: what failed, on which argument or
// file, expected vs found. Never NULL; "" when nothing has failed yet.
NNETDEF const char *nnet_error(void);
// The short meaning of a status code ("out of memory"), for any int.
NNETDEF const char *nnet_status_name(int status);

// ---- 2. Random numbers -----------------------------------------------------
// xoshiro256** seeded through splitmix64: small, fast, and the same stream on
// every platform. The state is explicit; there is no hidden global generator.
typedef struct nnet_rng { uint64_t s[4]; } nnet_rng;

// Seed a generator; any seed (including 0) is fine.
NNETDEF void nnet_rng_seed(nnet_rng *rng, uint64_t seed);
// Next 64 random bits.
NNETDEF uint64_t nnet_rng_next(nnet_rng *rng);
// Uniform float in [0, 1).
NNETDEF float nnet_rng_uniform(nnet_rng *rng);
// Uniform integer in [0, n) without modulo bias; n must be >= 1.
NNETDEF uint32_t nnet_rng_below(nnet_rng *rng, uint32_t n);
// Standard normal draw (mean 0, variance 1), Box-Muller in double precision.
NNETDEF float nnet_rng_normal(nnet_rng *rng);

// ---- 3. Matrices -----------------------------------------------------------
// A non-owning, row-major view: element (i, j) is data[i*cols + j].
typedef struct nnet_mat { int rows, cols; float *data; } nnet_mat;
#define NNET_AT(m, i, j) ((m).data[(size_t)(i) * (size_t)(m).cols + (size_t)(j)])

typedef enum nnet_transpose { NNET_NO_TRANS = 0, NNET_TRANS = 1 } nnet_transpose;

// A view over memory the caller owns.
NNETDEF nnet_mat nnet_mat_view(int rows, int cols, float *data);
// Allocate a zeroed rows x cols matrix; .data is NULL on failure (see
// nnet_error). Free it with nnet_mat_free.
NNETDEF nnet_mat nnet_mat_create(int rows, int cols);
// Free what nnet_mat_create allocated and reset the view to 0 x 0.
NNETDEF void nnet_mat_free(nnet_mat *m);

// C = alpha * op(A) op(B) + beta * C, where op(X) is X or X^T.
// op(A) is (M, K), op(B) is (K, N), C is (M, N). The three training products
// are Z = X W^T, dW += dZ^T X and dX = dZ W. Returns NNET_ERR_ARGUMENT when the
// shapes do not chain or a pointer is NULL. C must not overlap A or B. Runs
// Part III's fast product (on nnet_train's threads while it trains), or
// nnet_gemm_reference in the reading build.
NNETDEF int nnet_gemm(nnet_transpose trans_a, nnet_transpose trans_b, float alpha,
                      nnet_mat A, nnet_mat B, float beta, nnet_mat C);
// The same product computed by the plain triple loop: the version to read,
// and the reference the fast path is tested against.
NNETDEF int nnet_gemm_reference(nnet_transpose trans_a, nnet_transpose trans_b, float alpha,
                                nnet_mat A, nnet_mat B, float beta, nnet_mat C);
// Y[i, j] += b[j] for every row i. Y is (B, O), b is (O).
NNETDEF void nnet_add_bias(nnet_mat Y, const float *b);
// sums[j] += sum over i of X[i, j]. X is (B, O), sums is (O).
NNETDEF void nnet_column_sums(float *sums, nnet_mat X);
// y[k] += alpha * x[k] for k < n.
NNETDEF void nnet_axpy(float *y, float alpha, const float *x, size_t n);
// x[k] *= alpha for k < n.
NNETDEF void nnet_scale(float *x, float alpha, size_t n);
// index[i] = the column of the largest value in row i (first one on ties).
// X is (B, O), index is (B).
NNETDEF void nnet_argmax_rows(int *index, nnet_mat X);

// ---- 4. Activations --------------------------------------------------------
// Every activation has a forward y = f(z) and a backward that turns dL/dy
// into dL/dz in place (dy *= f'(z)), computing f'(z) from the output y, so a
// layer keeps only y. For softmax the backward is the full Jacobian product.
typedef enum nnet_activation {
    NNET_ACT_DEFAULT = 0,   // ReLU for hidden layers; for the output layer, what the loss needs (nnet_desc)
    NNET_ACT_IDENTITY,      // y = z
    NNET_ACT_SIGMOID,       // y = 1 / (1 + e^-z)
    NNET_ACT_TANH,          // y = tanh z
    NNET_ACT_RELU,          // y = max(0, z)
    NNET_ACT_LEAKY_RELU,    // y = z > 0 ? z : slope * z
    NNET_ACT_SOFTMAX,       // y_j = e^z_j / sum_k e^z_k, per row
    NNET_ACT_COUNT_
} nnet_activation;

// Lower-case name ("leaky_relu") and its inverse (-1 if unknown).
NNETDEF const char *nnet_activation_name(nnet_activation act);
NNETDEF int nnet_activation_from_name(const char *name);

// Y = f(Z) for a (B, O) batch; Y may be Z (in place). slope is used by leaky ReLU.
NNETDEF void nnet_activation_forward(nnet_activation act, float slope, nnet_mat Y, nnet_mat Z);
// dY *= f'(Z), with f' computed from Y = f(Z): dY becomes dL/dZ. All (B, O).
NNETDEF void nnet_activation_backward(nnet_activation act, float slope, nnet_mat dY, nnet_mat Y);

// ---- 5. Losses -------------------------------------------------------------
// Losses are averaged: over the batch for cross-entropy, over all B x O
// elements for the others (as PyTorch's default "mean" reduction). T holds
// the targets, (B, O): one-hot rows for cross-entropy, 0/1 for binary
// cross-entropy, any real numbers for the regression losses.
typedef enum nnet_loss {
    NNET_LOSS_DEFAULT = 0,          // from the output activation: softmax -> CE, sigmoid -> BCE, else MSE
    NNET_LOSS_CROSS_ENTROPY,        // softmax output:  L = -1/B sum_i sum_j t_ij log p_ij
    NNET_LOSS_BINARY_CROSS_ENTROPY, // sigmoid outputs: L = -1/(B O) sum t log p + (1-t) log(1-p)
    NNET_LOSS_MSE,                  // any output:      L = 1/(B O) sum (y - t)^2
    NNET_LOSS_MAE,                  // any output:      L = 1/(B O) sum |y - t|
    NNET_LOSS_HUBER,                // any output:      L = 1/(B O) sum h(y - t), h(e) = e^2/2 if |e| <= delta,
                                    //                  else delta (|e| - delta/2)
    NNET_LOSS_COUNT_
} nnet_loss;

NNETDEF const char *nnet_loss_name(nnet_loss loss);  // "ce", "bce", "mse", "mae", "huber"
NNETDEF int nnet_loss_from_name(const char *name);   // -1 if unknown

// Cross-entropy of softmax(Z) against T, from the logits Z so that no log of
// a rounded-to-zero probability is ever taken (log-sum-exp, max-subtracted).
NNETDEF double nnet_cross_entropy_forward(nnet_mat Z, nnet_mat T);
// Fused softmax + cross-entropy backward: dZ = (P - T) / B.
NNETDEF void nnet_cross_entropy_backward(nnet_mat dZ, nnet_mat P, nnet_mat T);
// Binary cross-entropy of sigmoid(Z) against T, from the logits:
// per element max(z,0) - z t + log(1 + e^-|z|).
NNETDEF double nnet_binary_cross_entropy_forward(nnet_mat Z, nnet_mat T);
// Fused sigmoid + binary cross-entropy backward: dZ = (P - T) / (B O).
NNETDEF void nnet_binary_cross_entropy_backward(nnet_mat dZ, nnet_mat P, nnet_mat T);
// Mean squared error of the outputs Y against T.
NNETDEF double nnet_mse_forward(nnet_mat Y, nnet_mat T);
// dY = 2 (Y - T) / (B O); the output activation's backward then gives dZ.
NNETDEF void nnet_mse_backward(nnet_mat dY, nnet_mat Y, nnet_mat T);
// Mean absolute error of Y against T.
NNETDEF double nnet_mae_forward(nnet_mat Y, nnet_mat T);
// dY = sign(Y - T) / (B O), with sign(0) = 0 as PyTorch's L1Loss.
NNETDEF void nnet_mae_backward(nnet_mat dY, nnet_mat Y, nnet_mat T);
// Huber loss of Y against T with threshold delta > 0: quadratic for errors
// up to delta, linear beyond, so outliers pull with a bounded force.
NNETDEF double nnet_huber_forward(nnet_mat Y, nnet_mat T, float delta);
// dY = clamp(Y - T, -delta, delta) / (B O).
NNETDEF void nnet_huber_backward(nnet_mat dY, nnet_mat Y, nnet_mat T, float delta);

// ---- 6. Initialisers -------------------------------------------------------
// How a layer's weights W (O, I) are drawn; fan_in = I, fan_out = O.
typedef enum nnet_init {
    NNET_INIT_DEFAULT = 0,     // Kaiming normal for (leaky) ReLU layers, Xavier uniform otherwise
    NNET_INIT_UNIFORM,         // W, b ~ U(-a, a), a = init_scale (default 0.5)
    NNET_INIT_XAVIER_UNIFORM,  // W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out))
    NNET_INIT_XAVIER_NORMAL,   // W ~ N(0, 2 / (fan_in + fan_out))
    NNET_INIT_KAIMING_NORMAL,  // W ~ N(0, gain^2 / fan_in)
    NNET_INIT_KAIMING_UNIFORM, // W ~ U(-a, a), a = gain * sqrt(3 / fan_in)
    NNET_INIT_LECUN_NORMAL,    // W ~ N(0, 1 / fan_in)
    NNET_INIT_LECUN_UNIFORM,   // W ~ U(-a, a), a = sqrt(3 / fan_in)
    NNET_INIT_COUNT_
} nnet_init;

NNETDEF const char *nnet_init_name(nnet_init init);   // "kaiming_normal", ...
NNETDEF int nnet_init_from_name(const char *name);    // also "random", "xavier", "kaiming", "he", "lecun"; -1 if unknown

// The Kaiming gain for a layer's activation: sqrt(2) for ReLU (and for any
// non-leaky activation, as He et al. define it), sqrt(2 / (1 + slope^2)) for
// leaky ReLU.
NNETDEF float nnet_kaiming_gain(nnet_activation act, float slope);
// Fill W (O, I) and b (O) by the scheme. scale is a for NNET_INIT_UNIFORM
// (0 means 0.5) and ignored otherwise; biases are zero except for UNIFORM.
// act and slope pick the Kaiming gain. Returns NNET_ERR_ARGUMENT on bad input.
NNETDEF int nnet_init_weights(nnet_mat W, float *b, nnet_init init, float scale,
                              nnet_activation act, float slope, nnet_rng *rng);

// ---- 7. The dense layer and the network ------------------------------------
// The dense layer, forward:  Z = X W^T + b, then Y = f(Z).
// X is (B, I), W (O, I), b (O), Z and Y (B, O); Y may be Z (in place).
NNETDEF void nnet_dense_forward(nnet_mat Y, nnet_mat Z, nnet_mat X, nnet_mat W, const float *b,
                                nnet_activation act, float slope);
// ... and backward, from dZ = dL/dZ (B, O):
//     dW += dZ^T X   (O, I);   db += the column sums of dZ   (O);   dX = dZ W   (B, I)
// dX is skipped when dX.data is NULL (the first layer needs none).
NNETDEF void nnet_dense_backward(nnet_mat dX, nnet_mat dW, float *db, nnet_mat dZ, nnet_mat X, nnet_mat W);

// What to build. Zero-initialise it and set n_inputs, n_layers and sizes;
// every other zero field means its default.
typedef struct nnet_desc {
    int n_inputs;                                 // I of the first layer
    int n_layers;                                 // dense layers, 1..NNET_MAX_LAYERS
    int sizes[NNET_MAX_LAYERS];                   // O of each layer; the last is the output size
    nnet_activation activations[NNET_MAX_LAYERS]; // per layer; default ReLU for hidden layers; for the output:
                                                  // identity under MSE, MAE or Huber, sigmoid under BCE, softmax
                                                  // under CE, and with the loss default too: softmax (sigmoid for 1 output)
    float dropout[NNET_MAX_LAYERS];               // drop probability on each layer's output, [0, 1); 0 for the output layer
    float leaky_slope;                            // leaky ReLU slope, (0, 1); default 0.01
    nnet_loss loss;                               // default: from the output activation
    nnet_init init;                               // default: see NNET_INIT_DEFAULT
    float init_scale;                             // a of NNET_INIT_UNIFORM; default 0.5
    uint64_t seed;                                // seed of the initial weights
    float huber_delta;                            // threshold of NNET_LOSS_HUBER; default 1
} nnet_desc;

// One dense layer: Y = f(X W^T + b), then inverted dropout while training.
typedef struct nnet_layer {
    int n_inputs;              // I
    int n_outputs;             // O
    nnet_activation activation;
    float dropout;             // drop probability while training
    nnet_mat weight;           // (O, I)
    float *bias;               // (O)
    nnet_mat weight_grad;      // (O, I)  dL/dW, accumulated by nnet_backward
    float *bias_grad;          // (O)     dL/db
    nnet_mat output;           // (B, O)  what the next layer sees: y, times the mask while training
    nnet_mat activated;        // (B, O)  y = f(z) before dropout (used only with dropout)
    nnet_mat mask;             // (B, O)  0 or 1/(1-p) for each output, while training with dropout
    nnet_mat delta;            // (B, O)  dL/dy, then dL/dz, during backward
} nnet_layer;

// The optimisers nnet_optimizer_step applies (section 8).
typedef enum nnet_optimizer_kind {
    NNET_SGD = 0,              // stochastic gradient descent, with momentum and Nesterov
    NNET_ADAM,                 // Adam (Kingma and Ba), L2 through the gradient
    NNET_ADAMW,                // Adam with decoupled weight decay (Loshchilov and Hutter)
    NNET_OPTIMIZER_COUNT_
} nnet_optimizer_kind;

// What an optimiser carries from step to step. It persists across
// nnet_train calls, and checkpoints save it.
typedef struct nnet_optimizer {
    nnet_optimizer_kind kind;  // the optimiser the state belongs to
    int64_t steps;             // steps taken: Adam's t, the warm-up's clock
    float *first_moment;       // (n_parameters) SGD's velocity v, or Adam's m
    float *second_moment;      // (n_parameters) Adam's s; NULL until Adam first runs
} nnet_optimizer;

// A network. Read its fields; change them only through the functions below.
typedef struct nnet {
    int n_inputs;                       // I of the first layer
    int n_layers;
    nnet_loss loss;
    float leaky_slope;
    float huber_delta;
    nnet_layer layers[NNET_MAX_LAYERS];
    size_t n_parameters;                // weights and biases, all layers
    float *parameters;                  // (n_parameters) W_0 b_0 W_1 b_1 ... in one block
    float *gradients;                   // (n_parameters) same layout; NULL for nnet_init_static networks
    // Where training stands: nnet_train continues from here, checkpoints save it.
    int epoch;                          // epochs trained, over every nnet_train call
    int best_epoch;                     // with early stopping, the epoch whose weights were kept (1-based); else 0
    nnet_rng rng;                       // the training stream: shuffles, dropout masks, augmentation
    nnet_optimizer optimizer;
    // What the model knows of its data (section 11: nnet_set_standardization,
    // nnet_set_names): saved in its file and restored on load; NULL and 0 when unset.
    float *input_mean, *input_stddev;   // (I) nnet_predict_raw computes (x - mean) / stddev first,
    float *target_mean, *target_stddev; // (O) and y * stddev + mean last
    char **input_names;                 // (I) the name of each input, e.g. a CSV file's header
    char **target_names;                // (n_target_names) the names of what the outputs predict
    char **class_names;                 // (n_class_names) the name of each class: O of them, 2 for one sigmoid output
    int n_target_names, n_class_names;
    // The last training forward pass (nnet_forward).
    nnet_mat logits;                    // (B, O) z of the output layer, for stable losses
    int batch;                          // B of the last forward pass
    // nnet.h's own bookkeeping: not for reading or writing.
    struct {
        int rng_seeded;                 // rng holds a stream (nnet_train seeds it on first use)
        int mask_rows;                  // B of the last dropout masks drawn (0: none)
        int dropout_active;             // the last forward pass applied dropout
        int batch_capacity;             // rows the workspace holds
        float *workspace;               // outputs, activated, masks, deltas, logits
        int borrowed;                   // nnet_init_static: caller memory, read-only parameters
        const struct nnet__step *fused_step;   // nnet_train's fast build: nnet_backward also steps
        int fused_finite;               // ... and clears this if a weight became NaN or infinite
    } internal;
} nnet;

// Build a network from a description, with initial weights drawn from
// desc->seed. Returns NULL on bad input (see nnet_error). Free with nnet_free.
NNETDEF nnet *nnet_create(const nnet_desc *desc);
NNETDEF void nnet_free(nnet *net);
// The output size (O of the last layer).
NNETDEF int nnet_output_size(const nnet *net);
// The outputs of the last nnet_forward, (B, O): probabilities for softmax or
// sigmoid outputs.
NNETDEF nnet_mat nnet_output(const nnet *net);
// Make room for batches of up to `rows` samples. nnet_train calls it; call
// it yourself before nnet_forward to keep allocation out of your own
// training loop.
NNETDEF int nnet_reserve(nnet *net, int rows);

// The training forward pass on X (B, I), keeping every layer's output for
// nnet_backward. With training != 0 every layer with dropout draws a new mask
// from rng; with rng NULL the masks of the last pass that drew them (same B)
// are reused, for gradient checks. training = 0: no dropout.
NNETDEF int nnet_forward(nnet *net, nnet_mat X, int training, nnet_rng *rng);
// The loss of the last forward pass against the targets T (B, O): the data
// loss plus l2/2 * (sum of all squared weights, biases excluded).
NNETDEF int nnet_loss_value(nnet *net, nnet_mat T, float l2, double *loss);
// Backward pass for the last forward pass on the same X and targets T:
// accumulates (+=) dL/dW and dL/db of the loss above, including l2 * W, into
// the gradients.
NNETDEF int nnet_backward(nnet *net, nnet_mat X, nnet_mat T, float l2);
// Set every gradient to zero.
NNETDEF void nnet_zero_grad(nnet *net);
// Turn labels (B) into targets T (B, O): one-hot rows, or the label itself
// (0 or 1) when the network has one output (T.cols = 1, n_classes = 2).
NNETDEF int nnet_labels_to_targets(nnet_mat T, const int *labels, int n_classes);

// ---- 8. Optimisers ---------------------------------------------------------
typedef enum nnet_schedule {
    NNET_SCHEDULE_CONSTANT = 0,  // lr
    NNET_SCHEDULE_STEP,          // lr * gamma^floor(epoch / step), gamma default 0.1
    NNET_SCHEDULE_EXPONENTIAL,   // lr * gamma^epoch, gamma default 0.95
    NNET_SCHEDULE_COSINE,        // lr_min + (lr - lr_min) (1 + cos(pi epoch / E)) / 2, E the horizon (see below)
    NNET_SCHEDULE_COUNT_
} nnet_schedule;

NNETDEF const char *nnet_schedule_name(nnet_schedule s);  // "constant", "step", "exp", "cosine"
NNETDEF int nnet_schedule_from_name(const char *name);    // -1 if unknown
NNETDEF const char *nnet_optimizer_name(nnet_optimizer_kind kind);  // "sgd", "adam", "adamw"
NNETDEF int nnet_optimizer_from_name(const char *name);             // -1 if unknown

// What early stopping watches on the validation set.
typedef enum nnet_monitor { NNET_MONITOR_LOSS = 0, NNET_MONITOR_ACCURACY } nnet_monitor;

typedef struct nnet_dataset nnet_dataset;   // section 10
typedef struct nnet_progress nnet_progress;

// Called after every batch and at the end of every epoch; return nonzero to
// stop training early (nnet_train then returns NNET_OK).
typedef int (*nnet_progress_fn)(const nnet_progress *progress, void *user_data);

// How to train. Zero-initialise, then set at least epochs and learning_rate;
// every other zero field means its default.
typedef struct nnet_train_desc {
    int epochs;                // epochs to run in this call, >= 1
    int batch_size;            // default 32; the last, smaller batch is trained too
    float learning_rate;       // > 0
    float momentum;            // SGD: [0, 1); 0 = plain SGD
    int nesterov;              // SGD: nonzero for Nesterov momentum
    float l2;                  // lambda >= 0: adds lambda W to weight gradients (any optimiser)
    nnet_schedule schedule;
    float schedule_gamma;      // decay of STEP (default 0.1) and EXPONENTIAL (default 0.95)
    int schedule_step;         // epochs per STEP; default max(1, schedule_epochs / 3)
    float min_learning_rate;   // COSINE's floor, reached at epoch E, just after the last; default 0
    uint64_t seed;             // seeds the training stream (shuffles, dropout) on the first call
    int no_shuffle;            // nonzero: keep the data order
    int threads;               // threads for this call; 0 or 1 = one (see -fopenmp)
    nnet_progress_fn progress; // optional
    void *user_data;           // passed to progress and augment
    // optional: change each gathered training batch X (B, I) in place before
    // the forward pass (data augmentation, e.g. random shifts); draw from rng.
    void (*augment)(nnet_mat X, nnet_rng *rng, void *user_data);
    nnet_optimizer_kind optimizer; // default NNET_SGD
    float beta1, beta2;        // Adam(W): moment decays, defaults 0.9 and 0.999
    float eps;                 // Adam(W): added to the bias-corrected sqrt(s); default 1e-8
    float weight_decay;        // AdamW only: decoupled decay of the weights; default 0.01
    float clip_norm;           // > 0: scale the gradients so their global L2 norm is at most this
    int warmup_epochs;         // the rate rises linearly from 0 over this many epochs' steps
    int schedule_epochs;       // the horizon of STEP and COSINE; default: the epoch this call ends at
    int patience;              // > 0: stop when the validation figure has not improved for this
                               // many epochs, and keep the best weights (needs a validation set)
    nnet_monitor monitor;      // what patience watches; default validation loss
} nnet_train_desc;

// The global L2 norm of all gradients, sqrt(sum g^2), into *norm (may be
// NULL); with max_norm > 0 every gradient is scaled by
// max_norm / (norm + 1e-6) when that is below 1, as
// torch.nn.utils.clip_grad_norm_ does. nnet_train clips after the L2 term
// is in the gradients (L2 is part of the loss here; PyTorch's weight_decay
// comes after its clipping).
NNETDEF int nnet_clip_gradients(nnet *net, float max_norm, float *norm);
// One step of desc's optimiser with this learning rate, on the gradients
// (already averaged over the batch, L2 included), weights and biases alike
// (AdamW's weight decay only on weights):
//   SGD    v = mu v + g;  w -= lr v                      (Nesterov: w -= lr (g + mu v))
//   Adam   m = b1 m + (1-b1) g;  s = b2 s + (1-b2) g^2;  t = t + 1
//          w -= lr/(1-b1^t) m / (sqrt(s)/sqrt(1-b2^t) + eps)
//   AdamW  w -= lr wd w, then Adam
// A v or m that falls below the smallest normal float (FLT_MIN, about
// 1.2e-38) is stored as 0, where PyTorch keeps a subnormal number, slow to
// compute with and lost in the rounding of the weight's step.
// The state lives in net->optimizer; switching to another optimiser starts
// a new state. Returns NNET_ERR_DIVERGED if a weight became NaN or infinite
// (the step is done; nnet_train then restores the weights it saved).
NNETDEF int nnet_optimizer_step(nnet *net, const nnet_train_desc *desc, float learning_rate);
// The learning rate of a 0-based epoch under the description's schedule
// (horizon: schedule_epochs, else epochs).
NNETDEF float nnet_learning_rate(const nnet_train_desc *desc, int epoch);

// ---- 9. The training loop --------------------------------------------------
// Statistics of one epoch. The training figures are running means over the
// epoch's batches (with dropout active), as most frameworks report them.
// Accuracy: of the argmax for several classes, of p >= 0.5 for a single
// sigmoid output or for each label of several sigmoid outputs; NAN for
// regression losses on float targets.
typedef struct nnet_epoch_stats {
    int epoch;                 // 1-based, counted over every nnet_train call
    double train_loss;         // includes the L2 term
    double train_accuracy;
    double validation_loss;    // NAN when there is no validation set
    double validation_accuracy;
    double learning_rate;      // the schedule's rate for the epoch (warm-up scales it down per step)
    double seconds;            // wall time of the epoch, validation included
} nnet_epoch_stats;

// What a progress callback sees.
struct nnet_progress {
    int epoch, epochs;         // 1-based epoch, counted over every nnet_train call, and the epoch this call ends at
    int batch, batches;        // 1-based batch and batches per epoch
    double loss;               // running mean loss of this epoch
    double accuracy;           // running mean accuracy of this epoch
    double seconds;            // since this epoch started
    double learning_rate;
    const nnet_epoch_stats *end_of_epoch; // NULL after a batch; the epoch's stats at its end
};

// Train on `train` (labels or targets), reporting on `validation` (may be
// NULL) after each epoch. history, if not NULL, has room for desc->epochs
// entries; epochs_run, if not NULL, receives the epochs completed in this
// call. Training continues where the network's last nnet_train stopped: its
// epoch count (for the schedule), random stream and optimiser state, so two
// calls of one epoch end with the same bits as one call of two. When it
// returns the gradients are zero. On a NaN or infinite loss or weight it
// stops with NNET_ERR_DIVERGED naming the epoch and batch, and restores the
// weights of the last completed epoch (or from before the call).
NNETDEF int nnet_train(nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                       const nnet_train_desc *desc, nnet_epoch_stats *history, int *epochs_run);
// Forget where training stands: zero epoch count and optimiser state; the
// next nnet_train seeds its stream from its desc again. The weights stay.
NNETDEF void nnet_training_reset(nnet *net);

/* ========================================================================== */
/*                          PART II  DATA AND FILES                           */
/* ========================================================================== */

// ---- 10. Datasets ----------------------------------------------------------
// Samples in memory: inputs (N, I) and either one integer label per sample
// (classification) or a target row per sample (regression, several labels).
// The inputs are floats, or bytes: images stay bytes in memory, a quarter of
// the floats' size, and become floats a batch at a time when training,
// evaluating or predicting copies them (nnet_dataset_as_floats copies a whole
// set, for normalising it in place).
struct nnet_dataset {
    nnet_mat inputs;        // (N, I) one sample per row; inputs.data is NULL when the samples are bytes
    unsigned char *bytes;   // or (N, I) bytes, sample value = byte * byte_scale; NULL with float inputs
    float byte_scale;       // the IDX loaders' u8 images: 1/255, pixels in [0, 1]
    int *labels;            // (N) class indices in [0, n_classes), or NULL with targets
    int n_classes;          // C; 0 with targets
    nnet_mat targets;       // (N, O) float targets, or data NULL with labels
};

// Allocate a zeroed dataset of N samples with I features and labels of
// n_classes classes (one allocation). Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_create(int n_samples, int n_features, int n_classes);
// The same with a float target matrix (N, n_targets) instead of labels.
NNETDEF nnet_dataset *nnet_dataset_create_targets(int n_samples, int n_features, int n_targets);
NNETDEF void nnet_dataset_free(nnet_dataset *data);
// Shuffle the samples (rows with their labels or targets) in place, Fisher-Yates.
NNETDEF int nnet_dataset_shuffle(nnet_dataset *data, nnet_rng *rng);
// A copy of samples [start, start + count), floats or bytes as the original.
// Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_subset(const nnet_dataset *data, int start, int count);
// A copy of the whole dataset with float inputs (bytes become byte *
// byte_scale), to normalise in place. Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_as_floats(const nnet_dataset *data);
// Copy the first round(fraction * N) samples into *first and the rest into
// *second (shuffle first for a random split); both parts must be non-empty.
// Free both with nnet_dataset_free; on failure both are set to NULL.
NNETDEF int nnet_dataset_split(const nnet_dataset *data, float fraction, nnet_dataset **first, nnet_dataset **second);
// A copy of the samples whose label is one of classes[0..n_classes), n_classes
// >= 2 distinct labels, relabelled 0..n_classes-1 in the order given (the
// digit-pair task: {1, 5} makes 1 -> 0 and 5 -> 1). Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_keep_classes(const nnet_dataset *data, const int *classes, int n_classes);
// The one-hot targets of the labels, a new (N, C) matrix: row i has a 1 in
// column labels[i]. Free with nnet_mat_free; .data is NULL on failure.
NNETDEF nnet_mat nnet_dataset_one_hot(const nnet_dataset *data);
// Normalisation, in place on any (N, I) matrix such as a float dataset's
// inputs. X /= divisor; 0 means 255 (raw bytes to [0, 1]). The IDX loaders'
// byte_scale already divides u8 pixels by 255, so call this only on data you
// built yourself.
NNETDEF int nnet_normalize_divide(nnet_mat X, float divisor);
// Divide each row by its own largest value, so every image peaks at 1; rows
// whose maximum is <= 0 are left as they are.
NNETDEF int nnet_normalize_row_max(nnet_mat X);
// Per-feature statistics of X (N, I): mean (I) and population standard
// deviation stddev (I). Compute them on the training set only ...
NNETDEF int nnet_standardize_fit(nnet_mat X, float *mean, float *stddev);
// ... and apply them to every set: x_ij = (x_ij - mean_j) / stddev_j. A
// feature with stddev 0 (a border pixel that is always 0) is only centred.
NNETDEF int nnet_standardize_apply(nnet_mat X, const float *mean, const float *stddev);
// Data augmentation: shift each row of X (B, width*height), a row-major
// image, by its own random (dx, dy) in [-max_shift, max_shift]^2 (max_shift <
// width and height), filling the uncovered pixels with 0. In place, no allocation. To use it in training:
//   static void shift(nnet_mat X, nnet_rng *rng, void *u) { (void)u; nnet_augment_shift(X, 28, 28, 2, rng); }
//   train_desc.augment = shift;
NNETDEF int nnet_augment_shift(nnet_mat X, int width, int height, int max_shift, nnet_rng *rng);

// ---- 11. Inference and metrics ---------------------------------------------
// Inference only reads the network (const), so several threads may predict
// with one network at once. The plain functions allocate their scratch
// memory per call; the _with variant takes the caller's, for no allocation.
// P (N, O) = the network's outputs for X (N, I), in chunks of 256 rows, without dropout.
NNETDEF int nnet_predict(const nnet *net, nnet_mat X, nnet_mat P);
// Floats of scratch nnet_predict_with needs for chunks of up to `rows` rows;
// 0 if net is NULL or rows < 1.
NNETDEF size_t nnet_predict_scratch_floats(const nnet *net, int rows);
// nnet_predict in chunks of `rows` rows, with scratch of scratch_floats >=
// nnet_predict_scratch_floats(net, rows) floats.
NNETDEF int nnet_predict_with(const nnet *net, nnet_mat X, nnet_mat P, int rows, float *scratch, size_t scratch_floats);
// classes (N) = the predicted class of each row of X (N, I): the argmax, or
// p >= 0.5 for a single sigmoid output.
NNETDEF int nnet_predict_classes(const nnet *net, nnet_mat X, int *classes);
// Both for a dataset's samples (floats or bytes): *P (N, O) the outputs and
// classes (N) the predicted classes; either may be NULL, not both.
NNETDEF int nnet_predict_dataset(const nnet *net, const nnet_dataset *data, const nnet_mat *P, int *classes);
// Mean loss (without L2) and accuracy (see nnet_epoch_stats; NAN for
// regression) of the network on a dataset with labels or targets.
NNETDEF int nnet_evaluate(const nnet *net, const nnet_dataset *data, double *loss, double *accuracy);

// Preprocessing that travels with the model: nnet_save writes it into the
// model file's metadata and nnet_load restores it, so a loaded model takes
// raw rows and answers with names. The functions above take the network's
// own inputs (already standardised) and give its own outputs; these do not
// change them. Standardisation: input_mean and input_stddev (I), as
// nnet_standardize_fit computes them on the training inputs; target_mean and
// target_stddev (O) when the network learnt standardised regression targets.
// Copied. Either pair may be NULL (that step is skipped); all four NULL
// remove the standardisation.
NNETDEF int nnet_set_standardization(nnet *net, const float *input_mean, const float *input_stddev,
                                     const float *target_mean, const float *target_stddev);
// Names: input_names (I), e.g. a CSV file's header; target_names
// (n_targets >= 1), what the outputs predict (the target columns);
// class_names (n_classes: O, or 2 for a single sigmoid output). Each is
// copied (valid UTF-8 strings); a NULL list removes those names.
NNETDEF int nnet_set_names(nnet *net, const char *const *input_names, const char *const *target_names, int n_targets,
                           const char *const *class_names, int n_classes);
// P (N, O) = the outputs for raw rows X (N, I): each row standardised with the
// network's input statistics, run through the network, each output mapped
// back with the target statistics (either step skipped when not set). X is
// not changed. Argmax of a row of P (p >= 0.5 for one sigmoid output) is
// the class; net->class_names, if set, names it.
NNETDEF int nnet_predict_raw(const nnet *net, nnet_mat X, nnet_mat P);

// Regression figures of predictions Y against targets T, both (N, O), each
// averaged over the O outputs as scikit-learn's "uniform_average": mean
// squared error, mean absolute error and R^2 = 1 - SS_res / SS_tot (NAN for
// an output whose targets are all equal).
typedef struct nnet_regression_metrics { double mse, mae, r2; } nnet_regression_metrics;
NNETDEF int nnet_regression_metrics_compute(nnet_mat Y, nnet_mat T, nnet_regression_metrics *metrics);

// Fraction of predicted[i] == labels[i], for n >= 1.
NNETDEF double nnet_accuracy(const int *labels, const int *predicted, int n);
// Area under the ROC curve of scores for the positives (is_positive[i] != 0),
// with ties counted half (Mann-Whitney). NAN if one class is absent.
NNETDEF double nnet_roc_auc(const float *scores, const int *is_positive, int n);
// Average precision, sum over thresholds of (R_k - R_{k-1}) P_k as in
// scikit-learn. NAN if there are no positives.
NNETDEF double nnet_average_precision(const float *scores, const int *is_positive, int n);
// The ROC curve of those scores: (fpr[k], tpr[k]) for k < *n_points, from
// (0, 0) through one point per distinct score (highest first) to (1, 1).
// fpr and tpr need room for n + 1 points. NNET_ERR_ARGUMENT if a class is absent.
NNETDEF int nnet_roc_curve(const float *scores, const int *is_positive, int n, double *fpr, double *tpr, int *n_points);
// The precision-recall curve: (recall[k], precision[k]) for k < *n_points, from
// (0, 1) through one point per distinct score (highest first), as scikit-learn
// draws it. Arrays need room for n + 1 points. NNET_ERR_ARGUMENT without positives.
NNETDEF int nnet_pr_curve(const float *scores, const int *is_positive, int n, double *recall, double *precision, int *n_points);

// A classification report: per class and averaged.
typedef struct nnet_report {
    int n_classes;             // C
    int n_samples;             // N
    double accuracy;
    int *confusion;            // (C, C): row = true class, column = predicted class
    double *precision;         // (C)
    double *recall;            // (C)
    double *f1;                // (C)
    int *support;              // (C) samples of each true class
    double *roc_auc;           // (C) one-vs-rest, NAN without scores
    double *average_precision; // (C) one-vs-rest, NAN without scores
    double macro_precision, macro_recall, macro_f1;
    double weighted_precision, weighted_recall, weighted_f1;
    double macro_roc_auc, macro_average_precision;
} nnet_report;

// Build a report from true labels (N), predicted classes (N) and optionally the
// scores (N, C), or (N, 1) for a binary classifier with one sigmoid output.
// Free with nnet_report_free. Returns NULL on bad input.
NNETDEF nnet_report *nnet_report_create(const int *labels, const int *predicted,
                                        const nnet_mat *scores, int n, int n_classes);
NNETDEF void nnet_report_free(nnet_report *report);
#ifndef NNET_NO_STDIO
// Print the report in scikit-learn's classification_report layout, with
// ROC AUC and average precision columns when scores were given.
NNETDEF void nnet_report_print(FILE *out, const nnet_report *report);
// Print the confusion matrix, true classes down, predicted across.
NNETDEF void nnet_confusion_print(FILE *out, const nnet_report *report);
#endif

// ---- 12. IDX files ---------------------------------------------------------
// IDX is the format of MNIST and Fashion-MNIST (see FILE FORMATS above): two
// zero bytes, an element type byte, a rank byte, the rank dimensions as
// big-endian u32, then the elements, big-endian, row-major. dims[0] counts
// the items (N); the rest is the shape of one item (28 x 28 for MNIST).
// Files starting with the gzip bytes 1f 8b are inflated first when stb_image
// is compiled in (COMPILE-TIME OPTIONS); otherwise they fail with a message
// that says how to enable it.
typedef enum nnet_idx_type {
    NNET_IDX_U8  = 0x08,   // unsigned byte
    NNET_IDX_I8  = 0x09,   // signed byte
    NNET_IDX_I16 = 0x0B,   // short, 2 bytes
    NNET_IDX_I32 = 0x0C,   // int, 4 bytes
    NNET_IDX_F32 = 0x0D,   // float, 4 bytes
    NNET_IDX_F64 = 0x0E    // double, 8 bytes
} nnet_idx_type;
#define NNET_IDX_MAX_RANK 8

// A loaded IDX array. data holds count values of the element type in host
// byte order: uint8_t, int8_t, int16_t, int32_t, float or double.
typedef struct nnet_idx {
    nnet_idx_type type;
    int rank;                       // 1..NNET_IDX_MAX_RANK
    int dims[NNET_IDX_MAX_RANK];    // each 0..NNET_MAX_DIM; unused ones are 0
    size_t count;                   // dims[0] * ... * dims[rank-1]
    void *data;                     // (count) elements; part of the same allocation
} nnet_idx;

// Parse an IDX file held in memory (raw, or gzip with stb_image). name is
// used in error messages (NULL: "<memory>"). Every size is checked against
// size before anything is allocated. Returns NULL on failure (nnet_error says
// what is wrong and what the bytes look like). Free with nnet_idx_free.
NNETDEF nnet_idx *nnet_idx_load_from_memory(const void *bytes, size_t size, const char *name);
NNETDEF void nnet_idx_free(nnet_idx *idx);
// Element k (< idx->count) as a double, exact for every element type.
NNETDEF double nnet_idx_value(const nnet_idx *idx, size_t k);
// Build a dataset from an images array (N, ...) and a labels array (N) of
// whole numbers: each image is flattened to a row of I = dims[1] * ... values;
// u8 pixels stay bytes (byte_scale 1/255: [0, 1]), other types become floats
// of the same value (they must be finite). n_classes > 0 checks every label is in 0..n_classes-1;
// 0 takes max label + 1 (labels then in 0..65535). Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_from_idx(const nnet_idx *images, const nnet_idx *labels, int n_classes);
// nnet_idx_load_from_memory on both buffers, then nnet_dataset_from_idx.
NNETDEF nnet_dataset *nnet_dataset_load_idx_from_memory(const void *images, size_t images_size,
                                                        const void *labels, size_t labels_size, int n_classes);
#ifndef NNET_NO_STDIO
// Read a whole IDX file (raw or .gz) and parse it. Free with nnet_idx_free.
NNETDEF nnet_idx *nnet_idx_load(const char *path);
// Load an images file and a labels file (raw IDX, or .gz when stb_image is
// included) into a dataset: u8 pixels stay bytes, read as byte / 255 in [0,
// 1] (byte_scale), the number of classes is the largest label + 1. u8 images
// of rank 3 (MNIST's) are read straight into the dataset's block, so the peak
// memory is the dataset plus the compressed file. Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_load_idx(const char *images_path, const char *labels_path);
// Load an MNIST-layout directory: train-images-idx3-ubyte[.gz] (or
// train-images.idx3-ubyte[.gz]), train-labels-idx1-ubyte..., t10k-images...,
// t10k-labels.... Either output pointer may be NULL to skip that part; both
// parts get the same n_classes (largest label of either + 1). Free each with
// nnet_dataset_free; on failure the outputs are set to NULL.
NNETDEF int nnet_dataset_load_mnist(const char *directory, nnet_dataset **train, nnet_dataset **test);
#endif

// ---- 13. CSV files ---------------------------------------------------------
// A table of numbers as text, one sample per line, read into a dataset. The
// cells are separated by commas, semicolons or tabs (given, or detected: of
// the three, the one that splits the first 20 rows into the same number of
// cells, at least 2, preferring tab, then semicolon, then comma; failing
// that, the one that splits the first line the most). It reads RFC 4180 and
// what spreadsheets write: an optional header row of column names; cells in
// double quotes, "" standing for one quote, which may hold separators and
// line breaks; LF, CRLF or CR line ends; a UTF-8 byte-order mark; blank lines
// (anywhere; trailing ones too), skipped. Spaces and tabs around a cell that
// is not quoted are not part of it.
//
// Numbers are [+-]digits[.digits][(e|E)[+-]digits] (also ".5" and "5."),
// read as the nearest double, then rounded to float (as numpy's loadtxt and
// astype(float32) do), with '.' as the decimal point whatever the C locale.
// An empty cell, or NA, N/A, NaN, null, none or ? (any case), is missing.
//
// The header is detected when the first row has, in every column where
// the second holds a number, something else (a name, or nothing); a header
// of numbers ("0,1,2") needs header NNET_CSV_HEADER_YES.
//
// The target column(s) are given by name or 0-based index; every other
// column is a feature (or those listed in features). Every feature cell must
// be a number. A target column holding any cell that is neither a number nor
// missing makes it classification (task AUTO): each distinct text is a class.
// Classes are numbered in the order they first appear, or with sorted_classes
// in sorted order: by value when every class is a number, else by the bytes
// of the UTF-8 names. A class that is a whole number is named by its value,
// so "1.0" and "1" are the one class "1".
//
// Errors: a missing or non-numeric feature or target, a row with another
// number of cells than the first, a quote never closed, text after a closing
// quote, a control byte (a binary file), no data rows, too many columns: all
// fail with NNET_ERR_FORMAT and a message naming the line and the column
// (both 1-based; the line in the file, where the cell is). With skip_bad_rows
// the rows with a missing or non-numeric value or the wrong number of cells
// are skipped instead and counted. Limits: NNET_MAX_DIM rows,
// NNET_CSV_MAX_COLUMNS (impl TU, default 2^20) columns, NNET_CSV_MAX_CLASSES
// classes, numbers of at most 127 characters.
#define NNET_CSV_MAX_CLASSES 65536

typedef enum nnet_csv_header {
    NNET_CSV_HEADER_AUTO = 0,  // detected (see above)
    NNET_CSV_HEADER_YES,       // the first row names the columns
    NNET_CSV_HEADER_NO         // every row is data
} nnet_csv_header;

typedef enum nnet_csv_task {
    NNET_CSV_AUTO = 0,         // classification when a target cell is text, else regression
    NNET_CSV_REGRESSION,       // float targets (N, number of target columns)
    NNET_CSV_CLASSIFICATION    // labels: one target column; numbers are class names too
} nnet_csv_task;

// How to read a file. Zero-initialise; every zero field means its default.
typedef struct nnet_csv_desc {
    char separator;            // ',', ';' or '\t'; 0: detected
    nnet_csv_header header;
    // The target column(s): a header name or a 0-based index (negative: from
    // the end, -1 the last); several separated by commas ("y1,y2"; a name
    // holding a comma matches whole first). NULL: the last column. "": none,
    // every column a feature (the result then has inputs and no dataset).
    const char *target;
    const char *const *features; // optional: the feature columns in this order, names or indices as above
    int n_features;              // entries of features; 0: every column that is not a target
    nnet_csv_task task;
    int sorted_classes;          // classes in sorted order rather than in order of appearance
    const char *const *class_names; // optional: the classes to expect, class c = class_names[c] (e.g. the
    int n_classes;                  // model's); a target cell not among them is an error
    int skip_bad_rows;           // skip (and count) the rows that would be an error, instead of failing
    int optional_target;         // a target column the file lacks is no error: inputs only, no dataset
} nnet_csv_desc;

// A file read. Free with nnet_csv_free, which frees everything here (to
// keep the dataset, set data to NULL first and free it with nnet_dataset_free).
typedef struct nnet_csv {
    nnet_dataset *data;        // inputs (N, I) with labels (classification) or targets (N, O); NULL without a target
    nnet_mat inputs;           // (N, I): data->inputs, or the inputs alone without a target
    char **feature_names;      // (I) the header's names of the feature columns; NULL without a header
    char **target_names;       // (n_targets) the header's names of the target columns; NULL without
    int n_targets;             // target columns read (0: none)
    char **class_names;        // (n_classes) class c's name; NULL for regression
    int n_classes;
    int n_columns;             // columns in the file
    int n_skipped;             // rows skipped with skip_bad_rows
    int has_header;            // the first row was read as the header
    char separator;            // the separator used
    struct { float *inputs; } internal;   // nnet.h's own: the inputs' block when there is no dataset
} nnet_csv;

// Parse a CSV file held in memory (see above). name is used in messages
// (NULL: "<memory>"); desc may be NULL for every default. NULL on failure,
// with a message naming the line and column. Free with nnet_csv_free.
NNETDEF nnet_csv *nnet_csv_load_from_memory(const void *bytes, size_t size, const nnet_csv_desc *desc, const char *name);
NNETDEF void nnet_csv_free(nnet_csv *csv);
#ifndef NNET_NO_STDIO
// Read a whole CSV file and parse it. Free with nnet_csv_free.
NNETDEF nnet_csv *nnet_csv_load(const char *path, const nnet_csv_desc *desc);
#endif

// ---- 14. Image input -------------------------------------------------------
// Turn a picture of a handwritten digit (any size, any colours, a scan or a
// photo) into the 784 floats an MNIST network expects, the way MNIST itself
// was made, after taking away what a photo adds to the paper:
//   1. grey levels in [0, 1]; invert when the background is light (MNIST is
//      white ink on black);
//   2. on a photo (paper that is not one plain grey), remove the
//      background: subtract its local level, so that vignetting, a shadow,
//      a lamp's gradient or a desk around the sheet become 0;
//   3. stretch the contrast: background -> 0, strongest ink -> 1;
//   4. keep the digit: the heaviest connected piece of ink and the pieces
//      near it, not specks, nor lines that run across the picture (ruled
//      paper, a margin);
//   5. crop to the bounding box of the ink (pixels > 0.25);
//   6. scale the longer side to 20 pixels, keeping the aspect ratio, by area
//      averaging (this makes the grey anti-aliased edges MNIST has), then
//      bring the strongest stroke back to 1 (a thin pencil line averages to grey);
//   7. paste into a 28x28 black field so that the centre of mass lands on
//      pixel (14, 14).
// Each step is a public function on a grey image: (H, W) floats, row-major,
// in [0, 1], 0 = black; W = width, H = height. They need no stb_image.
// Every image, given or decoded, is capped at NNET_IMAGE_MAX_SIDE (impl TU,
// default 8192) pixels a side and NNET_IMAGE_MAX_PIXELS (default 2^26) in all.
// A file is also capped by what it decodes to, NNET_IMAGE_MAX_BYTES (default
// 2^27, 128 MiB) of width x height x channels x bytes a channel (a 16-bit
// RGBA pixel is 8 bytes). Decoding needs up to about twice that, and the
// pipeline 5 bytes a pixel (the grey image and its float copy), whichever is
// more: at most about 330 MB with the defaults.
//
// Decoding files (PNG, JPEG, BMP, GIF, PGM/PPM, TGA, ...) needs stb_image
// (Debian's libstb-dev): include it before the implementation and link -lstb,
//     #include <stb/stb_image.h>
//     #define NNET_IMPLEMENTATION
//     #include "nnet.h"                       cc prog.c -lstb -lm
// NNET_NO_PNG (impl TU) forces decoding off. Without it the loaders return
// NNET_ERR_UNSUPPORTED with a message saying how to enable it. The caps are
// checked on the image header before stb decodes anything, a PNG's chunk
// CRC-32s are checked (stb does not), and JPEGs that stb_image 2.27
// mishandles are refused first. stb_image's own global
// flip-on-load setting must be off (the default); nnet never sets it.
typedef struct nnet_image_box { int x, y, width, height; } nnet_image_box;

// Step 1. image (H, W): if the ink is darker than the paper, x = 1 - x
// everywhere. Plain paper (half of the border one grey level, the whole
// picture's median) is light when above 0.5. On a photo's paper the ink is
// what is thinnest: of the light and the dark structures that openings and
// closings at growing windows take away, the ones that come out first and
// strongest (shadows, vignetting, a desk are wider). *inverted (may be NULL)
// receives 1 if it inverted, else 0. Allocates scratch on photos.
NNETDEF int nnet_image_invert_if_light(float *image, int width, int height, int *inverted);
// Step 2. image (H, W), light ink on a darker background: x = (x - b) / (1 - b)
// with b the local background level, the grey-level opening of the image by a
// window x window square (at each pixel, the largest of the minima over the
// squares that hold it). The opening takes away every stroke thinner than the
// window and keeps what is wider: paper, its vignetting and shadows, a desk.
// Dividing by 1 - b, how much light an inverted page's paper reflects, makes a
// stroke in a shadow as strong as one in the light (b >= 0.95 counts as 0.95).
// window 0 picks max(3, min(W, H) / 4). Allocates scratch (NNET_ERR_MEMORY).
NNETDEF int nnet_image_remove_background(float *image, int width, int height, int window);
// Step 3. image (H, W): x = clamp((x - background) / (max - background), 0, 1)
// with background = median + 3 MAD (median absolute deviation) of the border
// pixels, or of all pixels when that is lower (something other than paper
// around the picture: a desk), so paper, its noise and uneven light all become
// 0. NNET_ERR_FORMAT ("no ink") when max - background < 0.1, e.g. a blank page.
NNETDEF int nnet_image_stretch_contrast(float *image, int width, int height);
// Step 4. image (H, W): zero the ink (8-connected pieces of pixels > threshold)
// that is not the digit, and every pixel outside the digit's box. The digit
// is the heaviest piece (sum of its pixels) that keeps off the edges of the
// picture (else the heaviest that touches them without running from one edge
// to the opposite one as a ruled line or a margin does; else the heaviest),
// with the pieces of the same kind, at least 1/30 of its weight, whose box
// lies within its box grown by half its size (a 5's bar, a broken stroke);
// fainter pixels stay within 2 pixels of those pieces. Allocates scratch.
// NNET_ERR_FORMAT ("no ink") when no pixel is above threshold.
NNETDEF int nnet_image_keep_digit(float *image, int width, int height, float threshold);
// Step 5. The smallest box holding every pixel > threshold of image (H, W).
// NNET_ERR_FORMAT ("no ink") when there is none.
NNETDEF int nnet_image_bounding_box(const float *image, int width, int height, float threshold,
                                    nnet_image_box *box);
// Step 6a. The size of a width x height box scaled so its longer side is
// `side`, keeping the aspect ratio: the shorter side is rounded, at least 1.
NNETDEF int nnet_image_fit_size(int width, int height, int side, int *fit_width, int *fit_height);
// Step 6b. dst (dst_h, dst_w) = src (src_h, src_w) resampled by area
// averaging: each output pixel is the mean of the source area it covers, so
// the mean grey level is kept exactly. src rows are src_stride floats apart
// (>= src_w), so src can point into a larger image to resize a crop.
NNETDEF int nnet_image_resize_area(float *dst, int dst_w, int dst_h,
                                   const float *src, int src_w, int src_h, int src_stride);
// Step 6c. image (H, W): x /= max x, so the strongest stroke is 1, as MNIST's
// are. NNET_ERR_FORMAT ("no ink") when max x <= 0.
NNETDEF int nnet_image_normalize_strokes(float *image, int width, int height);
// Step 7a. Centre of mass of image (H, W) in pixel indices: *cx = sum x v / sum v
// (x = column index), *cy likewise. NNET_ERR_FORMAT when sum v <= 0.
NNETDEF int nnet_image_center_of_mass(const float *image, int width, int height, float *cx, float *cy);
// Step 7b. Zero dst (dst_h, dst_w) and copy src (src_h, src_w) into it, shifted
// by a whole number of pixels so that src's centre of mass lands on pixel
// (dst_w / 2, dst_h / 2), (14, 14) in 28x28 as in MNIST. Pixels that fall
// outside dst are dropped.
NNETDEF int nnet_image_paste_centered(float *dst, int dst_w, int dst_h, const float *src, int src_w, int src_h);
// The whole pipeline on an 8-bit grey image grey (H, W), 0 = black:
// pixels (784) = a 28x28 MNIST-style digit in [0, 1]. Allocates a float copy
// of the image; H and W are capped like decoded images.
NNETDEF int nnet_image_to_mnist(const unsigned char *grey, int width, int height, float *pixels /* (784) */);
// Decode an image file held in memory (needs stb_image) and run the pipeline.
// Colour is reduced to grey (stb's luma), transparency is composed over white.
// The bytes stay the caller's. NNET_ERR_FORMAT carries stb's failure reason.
NNETDEF int nnet_image_load_mnist_from_memory(const void *bytes, size_t size, float *pixels /* (784) */);
#ifndef NNET_NO_STDIO
// Load an image of a handwritten digit (PNG, JPEG, BMP, GIF, PGM; needs
// stb_image) and preprocess it the way MNIST was made into 784 floats in [0, 1].
// Reads at most 256 MiB; every failure message names the path.
NNETDEF int nnet_image_load_mnist(const char *path, float *pixels /* (784) */);
#endif

// ---- 15. Model files and checkpoints ---------------------------------------
// A model file is in the safetensors layout (docs/model-format.md): an 8-byte
// little-endian header length H, H bytes of JSON naming each tensor
// (layers.N.weight (O, I), layers.N.bias (O), as PyTorch's nn.Linear) with the
// architecture and a CRC-32 in "__metadata__", then the float32 data,
// little-endian. A checkpoint adds, for each of those tensors, the optimiser's
// state of the same shape ("layers.N.weight.momentum_buffer" for SGD,
// ".exp_avg" and ".exp_avg_sq" for Adam, PyTorch's names), and the training
// position in the metadata. Loaders read the whole file (at most
// NNET_MODEL_MAX_FILE bytes) and check every length, offset, shape, name,
// metadata value and the CRC before building the network; a bad file is an
// error naming the problem, never a crash.
#define NNET_MODEL_FORMAT_VERSION 2
#define NNET_MODEL_MAX_HEADER (100u << 20)  // largest JSON header accepted: 100 MB, as safetensors
#define NNET_MODEL_MAX_FILE ((size_t)(SIZE_MAX / 2 < 1099511627776ull ? SIZE_MAX / 2 : 1099511627776ull))   // 1 TiB, or half the address space

// Write the model file of `net` into buffer. *size receives the file's byte
// count; with buffer NULL that is all (a size query), otherwise capacity must
// be >= *size. NNET_ERR_ARGUMENT on a short buffer or non-finite weights.
NNETDEF int nnet_save_to_memory(const nnet *net, void *buffer, size_t capacity, size_t *size);
// The same for a checkpoint: the model plus where training stands (epoch,
// optimiser state, random stream), so nnet_train on the loaded network goes on
// as if it had never stopped.
NNETDEF int nnet_save_checkpoint_to_memory(const nnet *net, void *buffer, size_t capacity, size_t *size);
// Build a network from the bytes of a model file or a checkpoint (its
// training state restored). NULL (see nnet_error) on any malformed input.
// Free with nnet_free.
NNETDEF nnet *nnet_load_from_memory(const void *bytes, size_t size);
// Copy the weights of a safetensors file into a network the caller built:
// nnet's own files, or e.g. PyTorch's nn.Sequential of Linear layers (0.weight,
// 0.bias, 2.weight, ...). Names are taken in natural order ("10" after "9"),
// one weight (O, I) and one bias (O) per layer, every shape must match the
// network's; a checkpoint's optimiser tensors are skipped. Activations stay
// the caller's. On failure net is unchanged.
NNETDEF int nnet_load_weights_from_memory(nnet *net, const void *bytes, size_t size);

// Build a ready network in caller memory, with no allocation (the headers of
// nnet_export_c use it): parameters (W_0 b_0 W_1 b_1 ..., in desc's shapes)
// are used in place and never written. Inference only: nnet_predict_with
// runs it with no allocation, the other inference functions allocate their
// scratch; training is refused; nnet_free does nothing. NNET_ERR_ARGUMENT on
// bad input.
NNETDEF int nnet_init_static(nnet *net, const nnet_desc *desc, const float *parameters);
#ifndef NNET_NO_STDIO
// Save a network to a file, atomically: a temporary file in the same
// directory is written, flushed to disk, then renamed over `path` and the
// directory flushed, so a failed save never leaves a half-written file where
// a good one was. A symbolic link is followed (the link stays; the file it
// leads to is replaced, in that file's directory), an existing file keeps
// its permission bits, and a path that is a directory, device, FIFO or
// socket is refused with nothing written (POSIX; elsewhere the plain rename).
NNETDEF int nnet_save(const nnet *net, const char *path);
// The same for a checkpoint (nnet_save_checkpoint_to_memory).
NNETDEF int nnet_save_checkpoint(const nnet *net, const char *path);
// Whether a save to path could succeed now, to ask before a long training:
// NNET_OK, or the error nnet_save would give (no such directory, no right to
// write in it, a path that is a directory or a device). A temporary file is
// created next to the file and removed; path itself is not touched. A full
// disk can still fail the save itself.
NNETDEF int nnet_save_check(const char *path);
// Load a network saved by nnet_save or nnet_save_checkpoint. NULL on
// failure. Free with nnet_free.
NNETDEF nnet *nnet_load(const char *path);
// nnet_load_weights_from_memory on the contents of a file.
NNETDEF int nnet_load_weights(nnet *net, const char *path);
// Write the network as C source: a header defining NAME_desc, the const array
// NAME_parameters and a static NAME_scratch, with which nnet_init_static and
// nnet_predict_with run it with no file system and no allocation (see the
// comment at the top of the generated file). name must be a C identifier.
// Atomic.
NNETDEF int nnet_export_c(const nnet *net, const char *path, const char *name);
#endif

// ---- 16. Int8 models -------------------------------------------------------
// A trained network in 8-bit integers, for microcontrollers
// (docs/microcontrollers.md), in the scheme of TensorFlow Lite and CMSIS-NN:
// a tensor's real value is scale * (q - zero_point).
//   weights      int8 in [-127, 127], symmetric (zero point 0), one scale per
//                output neuron: max |w| of its row / 127
//   biases       int32, zero point 0, scale = input scale * the neuron's weight scale
//   activations  int8 in [-128, 127], one scale and zero point per tensor, from
//                the range [min, max] (widened to hold 0) that the float network
//                reaches on a calibration set: scale = (max - min) / 255
// Each layer then runs on integers only, as CMSIS-NN's
// arm_fully_connected_per_channel_s8 does:
//   acc_o = bias_o + sum_i weight_oi (x_i - input_zero_point)                 (int32)
//   z_o   = clamp(requantize(acc_o, multiplier_o, shift_o) + z_zero_point, lo, hi)
// where multiplier_o 2^(shift_o - 31) = input scale * weight scale_o / z scale
// and requantize rounds exactly as CMSIS-NN's arm_nn_requantize (z's scale
// is kept above the finest step of the sum, so every multiplier is below 1
// and every shift is a right shift). ReLU is the clamp (lo = the code of
// 0.0); an identity layer clamps to [-128, 127]. A hidden sigmoid, tanh or
// leaky ReLU is not a clamp: its z is looked up in a 256-entry table,
// y_o = table[z_o + 128], as TensorFlow Lite runs int8 tanh and logistic. A
// hidden softmax is refused. The output layer stops at z, the int8 logits:
// the largest is the predicted class, and nnet_int8_predict applies the
// output activation (softmax, sigmoid) in float.
typedef struct nnet_int8_layer {
    int n_inputs, n_outputs;                   // I, O
    nnet_activation activation;                // the float layer's activation
    const int8_t *weight;                      // (O, I) row o in units of weight_scale[o]
    const int32_t *bias;                       // (O)
    const float *weight_scale;                 // (O)
    const int32_t *multiplier;                 // (O) in [2^30, 2^31), or 0
    const int32_t *shift;                      // (O) <= 0 (CMSIS-NN's sign: negative shifts right)
    float input_scale;  int input_zero_point;  // x, what the layer reads
    float z_scale;      int z_zero_point;      // z, the requantised sums
    int activation_min, activation_max;        // the clamp of z
    const int8_t *table;                       // (256) y = table[z + 128] for a hidden sigmoid, tanh or
                                               // leaky ReLU; NULL otherwise (y = z)
    float output_scale; int output_zero_point; // y, what the layer writes (z's without a table)
} nnet_int8_layer;

// An int8 network: one allocation, read-only once built, so any number of
// threads may run it at once.
typedef struct nnet_int8 {
    int n_inputs, n_layers;
    nnet_int8_layer layers[NNET_MAX_LAYERS];
    float leaky_slope;                         // the float network's, for a leaky ReLU output layer
    int widest;                                // the largest O: bytes of each of the two activation buffers
    int calibration_rows;                      // samples the ranges were calibrated on
} nnet_int8;

// Quantise a trained network as above, calibrating the activation ranges on
// calibration (N, I): N >= 1 finite rows, e.g. 1,000 training samples. NULL
// on failure, with nnet_error naming the problem (a hidden softmax, an empty
// or non-finite calibration set, a row width that is not I, a neuron whose
// int32 sum could overflow). Both arguments stay the caller's. The ranges
// come from nnet_gemm_reference's sums in their fixed order, not from the
// fast path's kernels, so they do not depend on the CPU's vector width or
// the thread count. Free with nnet_int8_free.
NNETDEF nnet_int8 *nnet_int8_create(const nnet *net, nnet_mat calibration);
NNETDEF void nnet_int8_free(nnet_int8 *q);
// input (I) = x (I) in the first layer's codes: round(x / scale) (halves away
// from zero, in float arithmetic, as the exported NAME_quantize) +
// zero_point, clamped to [-128, 127]. NNET_ERR_ARGUMENT on a non-finite x.
NNETDEF int nnet_int8_quantize_input(const nnet_int8 *q, const float *x, int8_t *input);
// The bytes of scratch nnet_int8_forward needs: two buffers of q->widest.
NNETDEF size_t nnet_int8_scratch_bytes(const nnet_int8 *q);
// The bytes of the const arrays nnet_export_int8_c writes (a device's
// flash): per layer O I weights, 12 O of biases, multipliers and shifts, and
// 256 for a table. (The header's table of layers adds 11 words a layer.)
NNETDEF size_t nnet_int8_model_bytes(const nnet_int8 *q);
// One sample through every layer on integers only: input (I) codes in,
// output (O) int8 logits out. The reference the exported header matches bit
// for bit. scratch holds nnet_int8_scratch_bytes(q) bytes; no allocation.
NNETDEF int nnet_int8_forward(const nnet_int8 *q, const int8_t *input, int8_t *output, int8_t *scratch);
// P (N, O) = the int8 network's outputs for X (N, I): each row quantised and
// run by nnet_int8_forward, the logits z_scale * (z - z_zero_point) put
// through the output activation in float. Allocates its scratch per call.
NNETDEF int nnet_int8_predict(const nnet_int8 *q, nnet_mat X, nnet_mat P);
// classes (N) of the rows of X (N, I): the largest int8 logit (first on
// ties), as the exported NAME_classify; for one output, p >= 0.5.
NNETDEF int nnet_int8_predict_classes(const nnet_int8 *q, nnet_mat X, int *classes);
#ifndef NNET_NO_STDIO
// Write the int8 network as a self-contained C header for a microcontroller:
// const arrays (weights, biases, multipliers, shifts, tables: flash), one
// static pair of activation buffers of q->widest bytes (RAM), and portable
// C99 with no libc and no allocation: NAME_run and NAME_classify in integer
// arithmetic (NAME_run's outputs equal nnet_int8_forward's bit for bit),
// NAME_quantize for float inputs. name must be a C identifier. Atomic.
NNETDEF int nnet_export_int8_c(const nnet_int8 *q, const char *path, const char *name);
#endif

#ifdef __cplusplus
}
#endif
#endif // NNET_H_INCLUDED

/* ========================================================================== */
/*                              IMPLEMENTATION                                */
/* ========================================================================== */
#ifdef NNET_IMPLEMENTATION
#ifndef NNET_IMPLEMENTATION_DONE
#define NNET_IMPLEMENTATION_DONE

#include <float.h>
#include <locale.h>   /* localeconv: numbers in files always use '.' */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>    /* vsnprintf and sprintf, needed even under NNET_NO_STDIO */
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/time.h>     /* gettimeofday for the epoch timings */
#elif defined(__wasi__)
#include <wasi/api.h>     /* __wasi_clock_time_get: WASI has no clock() without emulation */
#else
#include <time.h>
#endif
#ifndef NNET_NO_STDIO
#include <errno.h>        /* errno for the messages of failed reads and writes */
#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>     /* stat, fstat, chmod: what a path is, and its permission bits */
#include <fcntl.h>        /* open, O_* for the atomic save and for reading without blocking */
#include <unistd.h>       /* write, close, unlink, getpid */
#if !defined(__cplusplus)
/* POSIX, which glibc hides under strict -std=c99 */
int fsync(int fd);
ssize_t readlink(const char *path, char *buffer, size_t size);
FILE *fdopen(int fd, const char *mode);
#endif
#define NNET__POSIX_FILES 1
#endif
#endif

#ifndef NNET_ASSERT
#include <assert.h>
#define NNET_ASSERT(x) assert(x)
#endif

#if defined(NNET_MALLOC) && defined(NNET_FREE)
#elif !defined(NNET_MALLOC) && !defined(NNET_FREE)
#define NNET_MALLOC(size) malloc(size)
#define NNET_FREE(p) free(p)
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#include <sys/mman.h>     /* madvise: 2 MB pages for large blocks (nnet__alloc) */
#if !defined(__cplusplus)
int madvise(void *address, size_t length, int advice);   /* hidden under strict -std=c99 */
#endif
#define NNET__HUGE_PAGE ((size_t)2 << 20)
#define NNET__HUGE_PAGE_ADVICE 14   /* MADV_HUGEPAGE on x86-64 and arm64, which strict -std=c99 hides */
#endif
#else
#error "Define both NNET_MALLOC and NNET_FREE, or neither."
#endif

#ifndef NNET_MAX_DIM
#define NNET_MAX_DIM (1 << 24)
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
#define NNET__THREAD_LOCAL thread_local
#elif defined(_MSC_VER)
#define NNET__THREAD_LOCAL __declspec(thread)
#elif defined(__GNUC__) || defined(__clang__)
#define NNET__THREAD_LOCAL __thread
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define NNET__THREAD_LOCAL _Thread_local
#else
#define NNET__THREAD_LOCAL /* no threads: one message for the process */
#endif

#if defined(__GNUC__) || defined(__clang__)
#define NNET__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define NNET__PRINTF(fmt, args)
#endif

// Small helpers used everywhere.
static int nnet__min(int a, int b) { return a < b ? a : b; }
static int nnet__max(int a, int b) { return a > b ? a : b; }
static size_t nnet__count(nnet_mat m) { return (size_t)m.rows * (size_t)m.cols; }
static int nnet__is_finite(double x) { return x - x == 0.0; }

static double nnet__seconds(void) {
#if defined(__unix__) || defined(__APPLE__)
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
#elif defined(__wasi__)
    __wasi_timestamp_t ns = 0;   // nanoseconds
    return __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1000, &ns) == 0 ? 1e-9 * (double)ns : 0.0;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

// The hyperparameters of one optimiser step, worked out once per step by
// nnet_optimizer_step (section 8).
typedef struct nnet__step {
    nnet_optimizer_kind kind;
    float learning_rate, momentum;     // SGD
    int nesterov;
    float beta1, beta2, eps;           // Adam(W)
    float step_size;                   // Adam: lr sqrt(1 - beta2^t) / (1 - beta1^t)
    float eps_scaled;                  // Adam: eps sqrt(1 - beta2^t)
    float decay;                       // AdamW: 1 - lr wd, the factor on every weight; 1 otherwise
} nnet__step;

// The seam. Part I does its heavy loops itself in the reading build
// (NNET_REFERENCE); otherwise it hands them to Part III, at the end of the
// file, through these five functions, which compute the same things:
//   nnet__fast_gemm        nnet_gemm's product: tiled, vectorised, on nnet_train's threads
//   nnet__fast_gather      a training batch's rows, copied on the threads, the next batch prefetched
//   nnet__fast_step        the optimiser step: vectorised, on the threads
//   nnet__fast_layer_step  a layer's step fused into its weight-gradient product (nnet_train)
//   nnet__train_on_team    nnet_train with desc->threads threads kept for the whole call
#ifndef NNET_REFERENCE
#define NNET__RUN_HERE 1   // nnet__train_on_team: not run on a team; nnet_train goes ahead itself
static void nnet__fast_gemm(nnet_transpose ta, nnet_transpose tb, float alpha, nnet_mat A, nnet_mat B,
                            float beta, nnet_mat C);
static void nnet__fast_gather(nnet_mat X, nnet_mat T, const nnet_dataset *data, const int *order, int start);
static int nnet__fast_step(nnet *net, const nnet__step *step);
static int nnet__fast_layer_step(nnet *net, nnet_layer *layer, nnet_mat dZ, nnet_mat X, const nnet__step *step, float l2);
static int nnet__train_on_team(nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                               const nnet_train_desc *desc, nnet_epoch_stats *history, int *epochs_run);
#endif

/* ========================================================================== */
/*                            PART I  THE NETWORK                             */
/* ========================================================================== */

// ---- 1. Errors -------------------------------------------------------------
static NNET__THREAD_LOCAL char nnet__message[512];

// Record a message and return the status, so a failure is one line:
//     return nnet__fail(NNET_ERR_ARGUMENT, "nnet_gemm: A is %dx%d ...", ...);
static int nnet__fail(int status, const char *format, ...) NNET__PRINTF(2, 3);
static int nnet__fail(int status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(nnet__message, sizeof nnet__message, format, args);
    va_end(args);
    return status;
}

NNETDEF const char *nnet_error(void) { return nnet__message; }

NNETDEF const char *nnet_status_name(int status) {
    switch (status) {
#define NNET__STATUS_CASE(name, value, text) case value: return text;
    NNET_STATUS_LIST(NNET__STATUS_CASE)
#undef NNET__STATUS_CASE
    default: return "unknown status";
    }
}

// Allocation that leaves a message when it fails.
// Every block the library allocates starts on a 64-byte boundary, a cache
// line and one AVX-512 vector, so a matrix row whose length is a multiple of
// 16 floats (784, 128) never straddles two lines: a vector load that does
// costs two loads, and the products read every row many times. The pointer
// NNET_MALLOC returned sits just before the block, for nnet__free.
// On Linux with the default allocator, a block of 1 MB or more (a network's
// weights with their gradients and velocity, a dataset) starts on a 2 MB
// boundary, fills whole 2 MB pages, and asks for them (transparent huge
// pages, which most systems give only when asked; if not, the block keeps
// 4 KB pages). A training batch walks the first layer's weights, gradient
// and velocity, hundreds of 4 KB pages, more than the processor's first
// address-translation cache holds; a few 2 MB pages fit in it.
#define NNET__ALIGN 64
static void *nnet__alloc(size_t bytes, const char *what) {
    unsigned char *raw = NULL, *p;
    size_t align = NNET__ALIGN, span = bytes;
    if (!bytes) return NULL;
#ifdef NNET__HUGE_PAGE
    if (bytes >= NNET__HUGE_PAGE / 2 && bytes <= SIZE_MAX - NNET__HUGE_PAGE) {
        align = NNET__HUGE_PAGE;
        span = (bytes + align - 1) / align * align;
    }
#endif
    if (span <= SIZE_MAX - align - sizeof raw) raw = (unsigned char *)NNET_MALLOC(span + align + sizeof raw);
    if (!raw) { nnet__fail(NNET_ERR_MEMORY, "%s: could not allocate %zu bytes", what, bytes); return NULL; }
    p = raw + sizeof raw;
    p += (align - (uintptr_t)p % align) % align;
    memcpy(p - sizeof raw, &raw, sizeof raw);
#ifdef NNET__HUGE_PAGE
    if (align == NNET__HUGE_PAGE) (void)madvise(p, span, NNET__HUGE_PAGE_ADVICE);   // a hint: refused, it changes nothing
#endif
    return p;
}

static void nnet__free(void *p) {
    void *raw;
    if (!p) return;
    memcpy(&raw, (unsigned char *)p - sizeof raw, sizeof raw);
    NNET_FREE(raw);
}

// n floats rounded up to whole 64-byte lines, to keep the next block aligned.
static size_t nnet__whole_lines(size_t n) { return (n + NNET__ALIGN / sizeof(float) - 1) / (NNET__ALIGN / sizeof(float)) * (NNET__ALIGN / sizeof(float)); }

// bytes = a * b * c with overflow checks; 0 on overflow.
static size_t nnet__bytes(size_t a, size_t b, size_t c) {
    if (b && a > SIZE_MAX / b) return 0;
    if (c && a * b > SIZE_MAX / c) return 0;
    return a * b * c;
}

// Look a lower-case name up in a table of names; -1 if it is not there.
// (Compared by hand: gcc -O3, inlining this into a caller whose name is a
// short array, warns that strcmp with a longer table entry "is nonzero".)
static int nnet__lookup(const char *name, const char *const *names, int count) {
    int i;
    if (!name) return -1;
    for (i = 0; i < count; i++) {
        const char *a = name, *b = names[i];
        while (b && *a && *a == *b) { a++; b++; }
        if (b && *a == *b) return i;
    }
    return -1;
}

// ---- 2. Random numbers -----------------------------------------------------
// splitmix64 spreads any seed over the 256-bit state (Vigna's recommendation);
// xoshiro256** then produces the stream. https://prng.di.unimi.it/
static uint64_t nnet__splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t nnet__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

NNETDEF void nnet_rng_seed(nnet_rng *rng, uint64_t seed) {
    int i;
    for (i = 0; i < 4; i++) rng->s[i] = nnet__splitmix64(&seed);
}

NNETDEF uint64_t nnet_rng_next(nnet_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = nnet__rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = nnet__rotl(s[3], 45);
    return result;
}

NNETDEF float nnet_rng_uniform(nnet_rng *rng) {
    // The top 24 bits give every float in [0, 1) with spacing 2^-24.
    return (float)(nnet_rng_next(rng) >> 40) * (1.0f / 16777216.0f);
}

NNETDEF uint32_t nnet_rng_below(nnet_rng *rng, uint32_t n) {
    // Lemire's multiply-and-reject: unbiased, usually one draw.
    uint64_t m = (uint64_t)(uint32_t)(nnet_rng_next(rng) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (n == 0) return 0;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(nnet_rng_next(rng) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

NNETDEF float nnet_rng_normal(nnet_rng *rng) {
    // Box-Muller: z = sqrt(-2 ln u1) cos(2 pi u2), with u1 in (0, 1].
    double u1 = ((double)(nnet_rng_next(rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double u2 = (double)(nnet_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}


// ---- 3. Matrices -----------------------------------------------------------
NNETDEF nnet_mat nnet_mat_view(int rows, int cols, float *data) {
    nnet_mat m;
    m.rows = rows; m.cols = cols; m.data = data;
    return m;
}

NNETDEF nnet_mat nnet_mat_create(int rows, int cols) {
    nnet_mat m = nnet_mat_view(0, 0, NULL);
    size_t bytes;
    if (rows < 1 || cols < 1 || rows > NNET_MAX_DIM || cols > NNET_MAX_DIM) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_mat_create: shape %dx%d, expected both in 1..%d", rows, cols, NNET_MAX_DIM);
        return m;
    }
    bytes = nnet__bytes((size_t)rows, (size_t)cols, sizeof(float));
    if (!bytes) {
        nnet__fail(NNET_ERR_MEMORY, "nnet_mat_create: %dx%d floats do not fit in memory", rows, cols);
        return m;
    }
    m.data = (float *)nnet__alloc(bytes, "nnet_mat_create");
    if (!m.data) return m;
    memset(m.data, 0, bytes);
    m.rows = rows; m.cols = cols;
    return m;
}

NNETDEF void nnet_mat_free(nnet_mat *m) {
    if (!m) return;
    nnet__free(m->data);
    *m = nnet_mat_view(0, 0, NULL);
}

// Shapes of op(X): (rows, cols) after the optional transpose.
static int nnet__op_rows(nnet_mat X, nnet_transpose t) { return t ? X.cols : X.rows; }
static int nnet__op_cols(nnet_mat X, nnet_transpose t) { return t ? X.rows : X.cols; }

static int nnet__gemm_check(const char *who, nnet_transpose ta, nnet_transpose tb,
                            nnet_mat A, nnet_mat B, nnet_mat C) {
    int m = nnet__op_rows(A, ta), k = nnet__op_cols(A, ta);
    int kb = nnet__op_rows(B, tb), n = nnet__op_cols(B, tb);
    if (!A.data || !B.data || !C.data)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: matrix %s has NULL data", who,
                          !A.data ? "A" : !B.data ? "B" : "C");
    if (k != kb || C.rows != m || C.cols != n)
        return nnet__fail(NNET_ERR_ARGUMENT,
                          "%s: op(A) is %dx%d and op(B) is %dx%d, so C must be %dx%d (inner sizes equal), found C %dx%d",
                          who, m, k, kb, n, m, n, C.rows, C.cols);
    return NNET_OK;
}

// One dot product per element of C, summed in order k = 0..K-1:
//     C[i][j] = alpha * sum_k op(A)[i][k] op(B)[k][j] + beta * C[i][j]
// (beta = 0 ignores what C held, even NaN).
NNETDEF int nnet_gemm_reference(nnet_transpose ta, nnet_transpose tb, float alpha,
                                nnet_mat A, nnet_mat B, float beta, nnet_mat C) {
    int status = nnet__gemm_check("nnet_gemm_reference", ta, tb, A, B, C), M = C.rows, N = C.cols, K, i, j, k;
    if (status) return status;
    K = nnet__op_cols(A, ta);
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float sum = 0.0f;
            for (k = 0; k < K; k++) {
                float a = ta ? NNET_AT(A, k, i) : NNET_AT(A, i, k);
                float b = tb ? NNET_AT(B, j, k) : NNET_AT(B, k, j);
                sum += a * b;
            }
            NNET_AT(C, i, j) = alpha * sum + (beta == 0.0f ? 0.0f : beta * NNET_AT(C, i, j));
        }
    return NNET_OK;
}

NNETDEF int nnet_gemm(nnet_transpose ta, nnet_transpose tb, float alpha,
                      nnet_mat A, nnet_mat B, float beta, nnet_mat C) {
#ifdef NNET_REFERENCE
    return nnet_gemm_reference(ta, tb, alpha, A, B, beta, C);
#else
    int status = nnet__gemm_check("nnet_gemm", ta, tb, A, B, C);
    if (status) return status;
    nnet__fast_gemm(ta, tb, alpha, A, B, beta, C);   // the seam
    return NNET_OK;
#endif
}

NNETDEF void nnet_add_bias(nnet_mat Y, const float *b) {
    int i, j;
    for (i = 0; i < Y.rows; i++) {
        float *y = Y.data + (size_t)i * (size_t)Y.cols;
        for (j = 0; j < Y.cols; j++) y[j] += b[j];
    }
}

NNETDEF void nnet_column_sums(float *sums, nnet_mat X) {
    int i, j;
    for (i = 0; i < X.rows; i++) {
        const float *x = X.data + (size_t)i * (size_t)X.cols;
        for (j = 0; j < X.cols; j++) sums[j] += x[j];
    }
}

NNETDEF void nnet_axpy(float *y, float alpha, const float *x, size_t n) {
    size_t k;
    for (k = 0; k < n; k++) {
        float product = alpha * x[k];   // a statement of its own: rounded before the add by every
        y[k] += product;                // compiler (none may fuse the two into one FMA)
    }
}

NNETDEF void nnet_scale(float *x, float alpha, size_t n) {
    size_t k;
    for (k = 0; k < n; k++) x[k] *= alpha;
}

NNETDEF void nnet_argmax_rows(int *index, nnet_mat X) {
    int i, j;
    for (i = 0; i < X.rows; i++) {
        const float *x = X.data + (size_t)i * (size_t)X.cols;
        int best = 0;
        for (j = 1; j < X.cols; j++)
            if (x[j] > x[best]) best = j;
        index[i] = best;
    }
}

// ---- 4. Activations --------------------------------------------------------
static const char *const nnet__activation_names[NNET_ACT_COUNT_] = {
    "default", "identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"};

NNETDEF const char *nnet_activation_name(nnet_activation act) {
    return (unsigned)act < NNET_ACT_COUNT_ ? nnet__activation_names[act] : "unknown";
}

NNETDEF int nnet_activation_from_name(const char *name) {
    static const char *const linear[] = {"linear"};
    if (nnet__lookup(name, linear, 1) == 0) return NNET_ACT_IDENTITY;
    return nnet__lookup(name, nnet__activation_names, NNET_ACT_COUNT_);
}

// sigmoid(z) = 1 / (1 + e^-z), written so that e^x is only taken of x <= 0:
// for z < 0 use e^z / (1 + e^z). No overflow for any finite z.
static float nnet__sigmoid(float z) {
    if (z >= 0.0f) return 1.0f / (1.0f + expf(-z));
    else { float e = expf(z); return e / (1.0f + e); }
}

// softmax of one row, max-subtracted: e^(z_j - m) <= 1 never overflows, and
// the largest term is exactly 1, so the sum is >= 1. y may be z.
static void nnet__softmax_row(float *y, const float *z, int n) {
    float m = -INFINITY, sum = 0.0f, inverse;
    int j;
    for (j = 0; j < n; j++) if (z[j] > m) m = z[j];
    for (j = 0; j < n; j++) { y[j] = expf(z[j] - m); sum += y[j]; }
    inverse = 1.0f / sum;
    for (j = 0; j < n; j++) y[j] *= inverse;
}

// Forward:  identity y = z;  sigmoid y = 1/(1+e^-z);  tanh y = tanh z;
//           relu y = max(0,z);  leaky y = z>0 ? z : slope z;  softmax per row.
// Backward (dy *= dy/dz, from y):  identity 1;  sigmoid y(1-y);  tanh 1-y^2;
//           relu [y>0];  leaky y>0 ? 1 : slope;
//           softmax dz_j = y_j (dy_j - sum_k dy_k y_k)   (docs/guide.md#activations)
NNETDEF void nnet_activation_forward(nnet_activation act, float slope, nnet_mat Y, nnet_mat Z) {
    size_t n = nnet__count(Z), k;
    int i;
    NNET_ASSERT(Y.rows == Z.rows && Y.cols == Z.cols);
    switch (act) {
    case NNET_ACT_SIGMOID: for (k = 0; k < n; k++) Y.data[k] = nnet__sigmoid(Z.data[k]); break;
    case NNET_ACT_TANH:    for (k = 0; k < n; k++) Y.data[k] = tanhf(Z.data[k]); break;
    case NNET_ACT_RELU:    for (k = 0; k < n; k++) Y.data[k] = Z.data[k] > 0.0f ? Z.data[k] : 0.0f; break;
    case NNET_ACT_LEAKY_RELU:
        for (k = 0; k < n; k++) Y.data[k] = Z.data[k] > 0.0f ? Z.data[k] : slope * Z.data[k];
        break;
    case NNET_ACT_SOFTMAX:
        for (i = 0; i < Z.rows; i++)
            nnet__softmax_row(&NNET_AT(Y, i, 0), &NNET_AT(Z, i, 0), Z.cols);
        break;
    default: if (Y.data != Z.data) memcpy(Y.data, Z.data, n * sizeof(float)); break;
    }
}

NNETDEF void nnet_activation_backward(nnet_activation act, float slope, nnet_mat dY, nnet_mat Y) {
    size_t n = nnet__count(Y), k;
    int i, j;
    NNET_ASSERT(dY.rows == Y.rows && dY.cols == Y.cols);
    switch (act) {
    case NNET_ACT_SIGMOID: for (k = 0; k < n; k++) dY.data[k] *= Y.data[k] * (1.0f - Y.data[k]); break;
    case NNET_ACT_TANH:    for (k = 0; k < n; k++) dY.data[k] *= 1.0f - Y.data[k] * Y.data[k]; break;
    case NNET_ACT_RELU:    for (k = 0; k < n; k++) dY.data[k] = Y.data[k] > 0.0f ? dY.data[k] : 0.0f; break;
    case NNET_ACT_LEAKY_RELU:
        for (k = 0; k < n; k++) dY.data[k] *= Y.data[k] > 0.0f ? 1.0f : slope;
        break;
    case NNET_ACT_SOFTMAX:
        for (i = 0; i < Y.rows; i++) {
            float *dy = &NNET_AT(dY, i, 0);
            const float *y = &NNET_AT(Y, i, 0);
            float dot = 0.0f;
            for (j = 0; j < Y.cols; j++) dot += dy[j] * y[j];
            for (j = 0; j < Y.cols; j++) dy[j] = y[j] * (dy[j] - dot);
        }
        break;
    default: break;
    }
}

// ---- 5. Losses -------------------------------------------------------------
static const char *const nnet__loss_names[NNET_LOSS_COUNT_] = {"default", "ce", "bce", "mse", "mae", "huber"};

NNETDEF const char *nnet_loss_name(nnet_loss loss) {
    return (unsigned)loss < NNET_LOSS_COUNT_ ? nnet__loss_names[loss] : "unknown";
}

NNETDEF int nnet_loss_from_name(const char *name) {
    static const char *const aliases[] = {"cross_entropy", "binary_cross_entropy", "l2", "l1"};
    static const int losses[] = {NNET_LOSS_CROSS_ENTROPY, NNET_LOSS_BINARY_CROSS_ENTROPY, NNET_LOSS_MSE, NNET_LOSS_MAE};
    int alias = nnet__lookup(name, aliases, 4);
    return alias >= 0 ? losses[alias] : nnet__lookup(name, nnet__loss_names, NNET_LOSS_COUNT_);
}

// L = -1/B sum_i sum_j t_ij log softmax(z_i)_j, with
// log softmax(z)_j = z_j - m - log sum_k e^(z_k - m), m = max_k z_k.
NNETDEF double nnet_cross_entropy_forward(nnet_mat Z, nnet_mat T) {
    double total = 0.0;
    int i, j;
    NNET_ASSERT(Z.rows == T.rows && Z.cols == T.cols && Z.rows > 0);
    for (i = 0; i < Z.rows; i++) {
        const float *z = &NNET_AT(Z, i, 0), *t = &NNET_AT(T, i, 0);
        double m = -INFINITY, sum = 0.0, log_sum;
        for (j = 0; j < Z.cols; j++) if (z[j] > m) m = z[j];
        for (j = 0; j < Z.cols; j++) sum += exp((double)z[j] - m);
        log_sum = m + log(sum);
        for (j = 0; j < Z.cols; j++)
            if (t[j] != 0.0f) total -= (double)t[j] * ((double)z[j] - log_sum);
    }
    return total / Z.rows;
}

// D = (Y - T) * scale: most loss gradients below have this form.
static void nnet__scaled_difference(nnet_mat D, nnet_mat Y, nnet_mat T, float scale) {
    size_t n = nnet__count(Y), k;
    NNET_ASSERT(D.rows == Y.rows && D.cols == Y.cols && T.rows == Y.rows && T.cols == Y.cols);
    for (k = 0; k < n; k++) D.data[k] = (Y.data[k] - T.data[k]) * scale;
}

// dL/dz = (p - t) / B: the softmax Jacobian and the log cancel.
NNETDEF void nnet_cross_entropy_backward(nnet_mat dZ, nnet_mat P, nnet_mat T) {
    nnet__scaled_difference(dZ, P, T, 1.0f / (float)P.rows);
}

// -[t log s(z) + (1-t) log(1 - s(z))] = max(z,0) - z t + log(1 + e^-|z|),
// finite for every finite z.
NNETDEF double nnet_binary_cross_entropy_forward(nnet_mat Z, nnet_mat T) {
    size_t n = nnet__count(Z), k;
    double total = 0.0;
    NNET_ASSERT(Z.rows == T.rows && Z.cols == T.cols && n > 0);
    for (k = 0; k < n; k++) {
        double z = Z.data[k], t = T.data[k];
        total += (z > 0.0 ? z : 0.0) - z * t + log1p(exp(-fabs(z)));
    }
    return total / (double)n;
}

// dL/dz = (p - t) / (B O): the sigmoid's derivative p(1-p) cancels.
NNETDEF void nnet_binary_cross_entropy_backward(nnet_mat dZ, nnet_mat P, nnet_mat T) {
    nnet__scaled_difference(dZ, P, T, 1.0f / (float)nnet__count(P));
}

// L = 1/(B O) sum (y - t)^2
NNETDEF double nnet_mse_forward(nnet_mat Y, nnet_mat T) {
    size_t n = nnet__count(Y), k;
    double total = 0.0;
    NNET_ASSERT(Y.rows == T.rows && Y.cols == T.cols && n > 0);
    for (k = 0; k < n; k++) {
        double d = (double)Y.data[k] - (double)T.data[k];
        total += d * d;
    }
    return total / (double)n;
}

// dL/dy = 2 (y - t) / (B O)
NNETDEF void nnet_mse_backward(nnet_mat dY, nnet_mat Y, nnet_mat T) {
    nnet__scaled_difference(dY, Y, T, 2.0f / (float)nnet__count(Y));
}

// L = 1/(B O) sum |y - t|
NNETDEF double nnet_mae_forward(nnet_mat Y, nnet_mat T) {
    size_t n = nnet__count(Y), k;
    double total = 0.0;
    NNET_ASSERT(Y.rows == T.rows && Y.cols == T.cols && n > 0);
    for (k = 0; k < n; k++) total += fabs((double)Y.data[k] - (double)T.data[k]);
    return total / (double)n;
}

// dL/dy = sign(y - t) / (B O); |e| has no slope at e = 0, and 0 is taken there.
NNETDEF void nnet_mae_backward(nnet_mat dY, nnet_mat Y, nnet_mat T) {
    size_t n = nnet__count(Y), k;
    float scale = 1.0f / (float)n;
    NNET_ASSERT(dY.rows == Y.rows && dY.cols == Y.cols && T.rows == Y.rows && T.cols == Y.cols);
    for (k = 0; k < n; k++) {
        float e = Y.data[k] - T.data[k];
        dY.data[k] = e > 0.0f ? scale : e < 0.0f ? -scale : 0.0f;
    }
}

// L = 1/(B O) sum h(y - t),  h(e) = e^2 / 2 for |e| <= delta, delta (|e| - delta / 2) beyond:
// the two pieces meet with the same value and slope at |e| = delta.
NNETDEF double nnet_huber_forward(nnet_mat Y, nnet_mat T, float delta) {
    size_t n = nnet__count(Y), k;
    double total = 0.0, d = delta;
    NNET_ASSERT(Y.rows == T.rows && Y.cols == T.cols && n > 0 && delta > 0.0f);
    for (k = 0; k < n; k++) {
        double e = fabs((double)Y.data[k] - (double)T.data[k]);
        total += e <= d ? 0.5 * e * e : d * (e - 0.5 * d);
    }
    return total / (double)n;
}

// dL/dy = h'(y - t) / (B O) = clamp(y - t, -delta, delta) / (B O)
NNETDEF void nnet_huber_backward(nnet_mat dY, nnet_mat Y, nnet_mat T, float delta) {
    size_t n = nnet__count(Y), k;
    float scale = 1.0f / (float)n;
    NNET_ASSERT(dY.rows == Y.rows && dY.cols == Y.cols && T.rows == Y.rows && T.cols == Y.cols);
    for (k = 0; k < n; k++) {
        float e = Y.data[k] - T.data[k];
        dY.data[k] = (e > delta ? delta : e < -delta ? -delta : e) * scale;
    }
}

// ---- 6. Initialisers -------------------------------------------------------
static const char *const nnet__init_names[NNET_INIT_COUNT_] = {
    "default", "uniform", "xavier_uniform", "xavier_normal", "kaiming_normal",
    "kaiming_uniform", "lecun_normal", "lecun_uniform"};

NNETDEF const char *nnet_init_name(nnet_init init) {
    return (unsigned)init < NNET_INIT_COUNT_ ? nnet__init_names[init] : "unknown";
}

NNETDEF int nnet_init_from_name(const char *name) {
    static const char *const aliases[] = {"random", "xavier", "kaiming", "he", "lecun"};
    static const int schemes[] = {NNET_INIT_UNIFORM, NNET_INIT_XAVIER_UNIFORM, NNET_INIT_KAIMING_NORMAL,
                                  NNET_INIT_KAIMING_NORMAL, NNET_INIT_LECUN_NORMAL};
    int alias = nnet__lookup(name, aliases, 5);
    return alias >= 0 ? schemes[alias] : nnet__lookup(name, nnet__init_names, NNET_INIT_COUNT_);
}

NNETDEF float nnet_kaiming_gain(nnet_activation act, float slope) {
    if (act == NNET_ACT_LEAKY_RELU) return sqrtf(2.0f / (1.0f + slope * slope));
    return sqrtf(2.0f);
}

// Each scheme keeps the variance of a layer's outputs close to that of its
// inputs: Var(y) = fan_in Var(w) Var(x) for a linear layer, so Var(w) = 1/fan_in
// (LeCun), 2/fan_in to make up for ReLU zeroing half of its inputs (Kaiming),
// or 2/(fan_in + fan_out) to balance forward and backward (Xavier). A uniform
// U(-a, a) has variance a^2 / 3, hence the sqrt(3 ...) and sqrt(6 ...) bounds.
NNETDEF int nnet_init_weights(nnet_mat W, float *b, nnet_init init, float scale,
                              nnet_activation act, float slope, nnet_rng *rng) {
    size_t n = nnet__count(W), k;
    double fan_in = W.cols, fan_out = W.rows, bound = 0.0, deviation = 0.0;
    int normal = 0;
    if (!W.data || !rng || W.rows < 1 || W.cols < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_init_weights: W (%dx%d, data %p) and rng (%p) must be non-empty and non-NULL",
                          W.rows, W.cols, (void *)W.data, (void *)rng);
    if (init == NNET_INIT_DEFAULT)
        init = (act == NNET_ACT_RELU || act == NNET_ACT_LEAKY_RELU) ? NNET_INIT_KAIMING_NORMAL : NNET_INIT_XAVIER_UNIFORM;
    if (scale == 0.0f) scale = 0.5f;
    switch (init) {
    case NNET_INIT_UNIFORM:         bound = scale; break;
    case NNET_INIT_XAVIER_UNIFORM:  bound = sqrt(6.0 / (fan_in + fan_out)); break;
    case NNET_INIT_XAVIER_NORMAL:   normal = 1; deviation = sqrt(2.0 / (fan_in + fan_out)); break;
    case NNET_INIT_KAIMING_NORMAL:  normal = 1; deviation = nnet_kaiming_gain(act, slope) / sqrt(fan_in); break;
    case NNET_INIT_KAIMING_UNIFORM: bound = nnet_kaiming_gain(act, slope) * sqrt(3.0 / fan_in); break;
    case NNET_INIT_LECUN_NORMAL:    normal = 1; deviation = sqrt(1.0 / fan_in); break;
    case NNET_INIT_LECUN_UNIFORM:   bound = sqrt(3.0 / fan_in); break;
    default:
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_init_weights: unknown initialiser %d, expected 0..%d",
                          (int)init, NNET_INIT_COUNT_ - 1);
    }
    if (!(scale > 0.0f) || !nnet__is_finite(scale))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_init_weights: init scale %g, expected a positive number", (double)scale);
    for (k = 0; k < n; k++)
        W.data[k] = normal ? (float)(deviation * nnet_rng_normal(rng))
                           : (float)(bound * (2.0 * nnet_rng_uniform(rng) - 1.0));
    if (b)
        for (k = 0; k < (size_t)W.rows; k++)
            b[k] = init == NNET_INIT_UNIFORM ? (float)(bound * (2.0 * nnet_rng_uniform(rng) - 1.0)) : 0.0f;
    return NNET_OK;
}


// ---- 7. The dense layer and the network ------------------------------------
// A dense layer turns each input row x (I) into O sums z_o = w_o . x + b_o,
// one per neuron (row w_o of W), then y = f(z). For a batch, all B x O sums
// are one matrix product (docs/guide.md#a-layer):
//     forward:   Z = X W^T + b          Y = f(Z)
//     backward:  dW += dZ^T X           db += sum over the rows of dZ
//                dX = dZ W              (docs/guide.md#backpropagation)
// W_oi multiplied input i into sum o for every sample b, so its gradient is
// the sum over samples of dZ_bo X_bi: the product dZ^T X. The bias went into
// every row, so its gradient is the column sum. dX is dL/dY of the layer
// below, which that layer's activation backward turns into its own dZ.
NNETDEF void nnet_dense_forward(nnet_mat Y, nnet_mat Z, nnet_mat X, nnet_mat W, const float *b,
                                nnet_activation act, float slope) {
    (void)nnet_gemm(NNET_NO_TRANS, NNET_TRANS, 1.0f, X, W, 0.0f, Z);   // Z = X W^T
    nnet_add_bias(Z, b);                                               // Z += b
    nnet_activation_forward(act, slope, Y, Z);                         // Y = f(Z)
}

NNETDEF void nnet_dense_backward(nnet_mat dX, nnet_mat dW, float *db, nnet_mat dZ, nnet_mat X, nnet_mat W) {
    (void)nnet_gemm(NNET_TRANS, NNET_NO_TRANS, 1.0f, dZ, X, 1.0f, dW);          // dW += dZ^T X
    nnet_column_sums(db, dZ);                                                    // db += sums of dZ
    if (dX.data) (void)nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, dZ, W, 0.0f, dX);   // dX = dZ W
}

static nnet_activation nnet__default_activation(const nnet_desc *d, int layer) {
    if (d->activations[layer] != NNET_ACT_DEFAULT) return d->activations[layer];
    if (layer < d->n_layers - 1) return NNET_ACT_RELU;
    switch (d->loss) {   // the output layer: what the loss expects
    case NNET_LOSS_MSE: case NNET_LOSS_MAE: case NNET_LOSS_HUBER: return NNET_ACT_IDENTITY;
    case NNET_LOSS_BINARY_CROSS_ENTROPY: return NNET_ACT_SIGMOID;
    case NNET_LOSS_CROSS_ENTROPY: return NNET_ACT_SOFTMAX;
    default: return d->sizes[layer] == 1 ? NNET_ACT_SIGMOID : NNET_ACT_SOFTMAX;
    }
}

static int nnet__check_desc(const nnet_desc *d, const char *who) {
    int l;
    if (!d) return nnet__fail(NNET_ERR_ARGUMENT, "%s: desc is NULL", who);
    if (d->n_layers < 1 || d->n_layers > NNET_MAX_LAYERS)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: n_layers is %d, expected 1..%d (NNET_MAX_LAYERS)", who, d->n_layers,
                          NNET_MAX_LAYERS);
    if (d->n_inputs < 1 || d->n_inputs > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: n_inputs is %d, expected 1..%d", who, d->n_inputs, NNET_MAX_DIM);
    for (l = 0; l < d->n_layers; l++) {
        if (d->sizes[l] < 1 || d->sizes[l] > NNET_MAX_DIM)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: sizes[%d] is %d, expected 1..%d", who, l, d->sizes[l], NNET_MAX_DIM);
        if ((unsigned)d->activations[l] >= NNET_ACT_COUNT_)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: activations[%d] is %d, expected 0..%d",
                              who, l, (int)d->activations[l], NNET_ACT_COUNT_ - 1);
        if (!(d->dropout[l] >= 0.0f && d->dropout[l] < 1.0f))
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: dropout[%d] is %g, expected a probability in [0, 1)",
                              who, l, (double)d->dropout[l]);
        if (nnet__default_activation(d, l) == NNET_ACT_SOFTMAX && l < d->n_layers - 1)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: softmax on hidden layer %d; softmax is for the output layer", who, l);
    }
    if (d->dropout[d->n_layers - 1] != 0.0f)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: dropout[%d] (the output layer) is %g, expected 0",
                          who, d->n_layers - 1, (double)d->dropout[d->n_layers - 1]);
    if (!(d->leaky_slope >= 0.0f && d->leaky_slope < 1.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: leaky_slope is %g, expected [0, 1) (0 means 0.01)",
                          who, (double)d->leaky_slope);
    if ((unsigned)d->loss >= NNET_LOSS_COUNT_ || (unsigned)d->init >= NNET_INIT_COUNT_)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: loss %d or init %d out of range", who, (int)d->loss, (int)d->init);
    if (!(d->init_scale >= 0.0f) || !nnet__is_finite(d->init_scale))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: init_scale is %g, expected >= 0 (0 means 0.5)", who, (double)d->init_scale);
    if (!(d->huber_delta >= 0.0f) || !nnet__is_finite(d->huber_delta))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: huber_delta is %g, expected a finite number >= 0 (0 means 1)",
                          who, (double)d->huber_delta);
    return NNET_OK;
}

// The loss must match the output activation where the fused gradient
// assumes it: cross-entropy after softmax, binary cross-entropy after sigmoid.
static int nnet__check_loss(nnet_loss loss, nnet_activation out, const char *who) {
    if (loss == NNET_LOSS_CROSS_ENTROPY && out != NNET_ACT_SOFTMAX)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: loss ce needs a softmax output layer, found %s", who,
                          nnet_activation_name(out));
    if (loss == NNET_LOSS_BINARY_CROSS_ENTROPY && out != NNET_ACT_SIGMOID)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: loss bce needs a sigmoid output layer, found %s", who,
                          nnet_activation_name(out));
    return NNET_OK;
}

// Weights and biases of all layers; 0 if that many floats could not be
// addressed (each layer's count is computed in 64 bits: a size_t may be 32).
static size_t nnet__parameter_count(const nnet_desc *d, const char *who) {
    uint64_t total = 0;
    int l;
    for (l = 0; l < d->n_layers && total <= (uint64_t)INT32_MAX; l++) {
        uint64_t in = (uint64_t)(l ? d->sizes[l - 1] : d->n_inputs), out = (uint64_t)d->sizes[l];
        total += in * out + out;   // each factor <= 2^24: no overflow
    }
    if (total > (uint64_t)INT32_MAX || total > (uint64_t)(SIZE_MAX / 4 / sizeof(float))) {
        nnet__fail(NNET_ERR_ARGUMENT, "%s: %llu parameters is too many (at most %d)", who, (unsigned long long)total,
                   INT32_MAX);
        return 0;
    }
    return (size_t)total;
}

// Point every layer's views of W and b into the parameter block and of dW,
// db into the gradient block (which may be NULL).
static void nnet__point_parameters(nnet *net, float *parameters, float *gradients) {
    size_t offset = 0;
    int l;
    net->parameters = parameters;
    net->gradients = gradients;
    for (l = 0; l < net->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        layer->weight = nnet_mat_view(layer->n_outputs, layer->n_inputs, parameters + offset);
        layer->weight_grad = nnet_mat_view(layer->n_outputs, layer->n_inputs, gradients ? gradients + offset : NULL);
        offset += nnet__count(layer->weight);
        layer->bias = parameters + offset;
        layer->bias_grad = gradients ? gradients + offset : NULL;
        offset += (size_t)layer->n_outputs;
    }
}

// Fill in everything a (checked) description fixes: sizes, activations,
// dropout, the loss, and the views into the blocks. Shared by nnet_create and
// nnet_init_static.
static int nnet__layout(nnet *net, const nnet_desc *desc, float *parameters, float *gradients, const char *who) {
    int l;
    nnet_activation out;
    net->n_inputs = desc->n_inputs;
    net->n_layers = desc->n_layers;
    net->leaky_slope = desc->leaky_slope > 0.0f ? desc->leaky_slope : 0.01f;
    net->huber_delta = desc->huber_delta > 0.0f ? desc->huber_delta : 1.0f;
    for (l = 0; l < desc->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        layer->n_inputs = l ? desc->sizes[l - 1] : desc->n_inputs;
        layer->n_outputs = desc->sizes[l];
        layer->activation = nnet__default_activation(desc, l);
        layer->dropout = desc->dropout[l];
    }
    nnet__point_parameters(net, parameters, gradients);
    out = net->layers[net->n_layers - 1].activation;
    net->loss = desc->loss != NNET_LOSS_DEFAULT ? desc->loss
              : out == NNET_ACT_SOFTMAX ? NNET_LOSS_CROSS_ENTROPY
              : out == NNET_ACT_SIGMOID ? NNET_LOSS_BINARY_CROSS_ENTROPY : NNET_LOSS_MSE;
    return nnet__check_loss(net->loss, out, who);
}

// nnet_create, with or without drawing the initial weights (a loader
// overwrites them: nnet__load).
static nnet *nnet__create(const nnet_desc *desc, int draw_weights, const char *who) {
    nnet *net;
    size_t total, lines, bytes;
    int l;
    nnet_rng rng;
    if (nnet__check_desc(desc, who) || !(total = nnet__parameter_count(desc, who))) return NULL;
    // One block, each part on its own cache lines: the parameters, their
    // gradients and the optimiser's first moment (SGD's velocity).
    lines = nnet__whole_lines(total);
    bytes = nnet__bytes(lines, 3, sizeof(float));
    net = (nnet *)nnet__alloc(sizeof(nnet), who);
    if (!net) return NULL;
    memset(net, 0, sizeof *net);
    net->parameters = (float *)nnet__alloc(bytes, who);
    if (!net->parameters) { nnet__free(net); return NULL; }
    memset(net->parameters, 0, bytes);
    net->n_parameters = total;
    net->optimizer.first_moment = net->parameters + 2 * lines;
    if (nnet__layout(net, desc, net->parameters, net->parameters + lines, who) != NNET_OK) { nnet_free(net); return NULL; }
    if (!draw_weights) return net;
    nnet_rng_seed(&rng, desc->seed);
    for (l = 0; l < desc->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        if (nnet_init_weights(layer->weight, layer->bias, desc->init, desc->init_scale,
                              layer->activation, net->leaky_slope, &rng) != NNET_OK) {
            nnet_free(net);
            return NULL;
        }
    }
    return net;
}

NNETDEF nnet *nnet_create(const nnet_desc *desc) { return nnet__create(desc, 1, "nnet_create"); }

NNETDEF void nnet_free(nnet *net) {
    if (!net || net->internal.borrowed) return;   // nnet_init_static: the caller's memory
    nnet__free(net->input_mean);
    nnet__free(net->target_mean);
    nnet__free(net->input_names);
    nnet__free(net->target_names);
    nnet__free(net->class_names);
    nnet__free(net->internal.workspace);
    nnet__free(net->optimizer.second_moment);
    nnet__free(net->parameters);
    nnet__free(net);
}

NNETDEF int nnet_output_size(const nnet *net) { return net->layers[net->n_layers - 1].n_outputs; }

// A (rows, cols) view of the first `rows` rows of a workspace matrix.
static nnet_mat nnet__rows(nnet_mat m, int rows) { m.rows = rows; return m; }

NNETDEF nnet_mat nnet_output(const nnet *net) { return nnet__rows(net->layers[net->n_layers - 1].output, net->batch); }

NNETDEF int nnet_reserve(nnet *net, int rows) {
    size_t per_row = 0, bytes, offset = 0;
    int l, outputs;
    float *block;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_reserve: net is NULL");
    if (net->internal.borrowed)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_reserve: a network built by nnet_init_static is for inference only (nnet_predict_with)");
    if (rows < 1 || rows > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_reserve: %d rows, expected 1..%d", rows, NNET_MAX_DIM);
    if (rows <= net->internal.batch_capacity) return NNET_OK;
    // Per row: every layer's output, activated, delta and mask, then the
    // output layer's logits: 4 sum(O) + O_last floats.
    outputs = nnet_output_size(net);
    for (l = 0; l < net->n_layers; l++) per_row += 4 * (size_t)net->layers[l].n_outputs;
    per_row += (size_t)outputs;
    bytes = nnet__bytes(per_row, (size_t)rows, sizeof(float));
    if (!bytes) return nnet__fail(NNET_ERR_MEMORY, "nnet_reserve: workspace for %d rows overflows", rows);
    block = (float *)nnet__alloc(bytes, "nnet_reserve");
    if (!block) return NNET_ERR_MEMORY;
    memset(block, 0, bytes);
    nnet__free(net->internal.workspace);
    for (l = 0; l < net->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        size_t size = (size_t)rows * (size_t)layer->n_outputs;
        layer->output = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
        layer->activated = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
        layer->delta = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
        layer->mask = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
    }
    net->logits = nnet_mat_view(rows, outputs, block + offset);
    net->internal.workspace = block;
    net->internal.batch_capacity = rows;
    net->internal.mask_rows = 0;
    net->batch = 0;
    return NNET_OK;
}

// Inverted dropout: keep each output with probability 1-p and scale the kept
// ones by 1/(1-p), so the expected output equals the output without dropout
// and inference needs no rescaling.   y *= m ;  backward: dy *= m
static void nnet__dropout_draw(nnet_mat mask, float p, nnet_rng *rng) {
    size_t n = nnet__count(mask), k;
    float keep = 1.0f / (1.0f - p);
    for (k = 0; k < n; k++) mask.data[k] = nnet_rng_uniform(rng) < p ? 0.0f : keep;
}

// Y = A * mask, element by element (Y may be A).
static void nnet__multiply(nnet_mat Y, nnet_mat A, nnet_mat mask) {
    size_t n = nnet__count(Y), k;
    for (k = 0; k < n; k++) Y.data[k] = A.data[k] * mask.data[k];
}

// The forward pass: each layer's output is the next one's input,
//     A_0 = X,   A_l = f_l(A_{l-1} W_l^T + b_l) (* mask_l while training),   P = A_L
// Every A_l stays in the workspace for the backward pass; the output layer
// also keeps its Z (the logits), from which the losses are computed stably.
NNETDEF int nnet_forward(nnet *net, nnet_mat X, int training, nnet_rng *rng) {
    int l, B = X.rows, status;
    nnet_mat input = X;
    if (!net || !X.data)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_forward: %s is NULL", !net ? "net" : "X.data");
    if (X.cols != net->n_inputs || X.rows < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_forward: X is %dx%d, expected B x %d with B >= 1",
                          X.rows, X.cols, net->n_inputs);
    if ((status = nnet_reserve(net, B)) != NNET_OK) return status;
    if (training && !rng && net->internal.mask_rows != B)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_forward: rng is NULL, which reuses the dropout masks of the last training pass, but %s",
                          net->internal.mask_rows ? "that pass had another batch size" : "no training pass has drawn masks yet");
    for (l = 0; l < net->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        int dropout = training && layer->dropout > 0.0f;
        nnet_mat Y = nnet__rows(layer->output, B);
        nnet_mat A = dropout ? nnet__rows(layer->activated, B) : Y;   // y = f(z), before dropout
        nnet_mat Z = l == net->n_layers - 1 ? nnet__rows(net->logits, B) : A;
        nnet_dense_forward(A, Z, input, layer->weight, layer->bias, layer->activation, net->leaky_slope);
        if (dropout) {
            nnet_mat mask = nnet__rows(layer->mask, B);
            if (rng) nnet__dropout_draw(mask, layer->dropout, rng);
            nnet__multiply(Y, A, mask);
        }
        input = Y;
    }
    if (training && rng) net->internal.mask_rows = B;
    net->batch = B;
    net->internal.dropout_active = training;
    return NNET_OK;
}

NNETDEF int nnet_labels_to_targets(nnet_mat T, const int *labels, int n_classes) {
    int i, classes = T.cols == 1 ? 2 : T.cols;
    if (!T.data || !labels) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_labels_to_targets: NULL %s", !labels ? "labels" : "T");
    if (n_classes != classes && !(T.cols == 1 && n_classes == 1))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_labels_to_targets: %d classes do not fit %d outputs (expected outputs = classes, or 1 output for 2 classes)",
                          n_classes, T.cols);
    memset(T.data, 0, nnet__count(T) * sizeof(float));
    for (i = 0; i < T.rows; i++) {
        int y = labels[i];
        if (y < 0 || y >= classes)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_labels_to_targets: labels[%d] is %d, expected 0..%d", i, y, classes - 1);
        if (T.cols == 1) T.data[i] = (float)y;
        else NNET_AT(T, i, y) = 1.0f;
    }
    return NNET_OK;
}

static int nnet__check_l2(float l2, const char *who) {
    if (!(l2 >= 0.0f) || !nnet__is_finite(l2))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: l2 is %g, expected a finite number >= 0", who, (double)l2);
    return NNET_OK;
}

// The targets of the last forward pass: (B, O), present.
static int nnet__check_targets(const nnet *net, nnet_mat T, const char *who) {
    if (!net->batch) return nnet__fail(NNET_ERR_ARGUMENT, "%s: no forward pass yet", who);
    if (!T.data || T.rows != net->batch || T.cols != nnet_output_size(net))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: T is %dx%d%s, expected the %dx%d targets of the last forward pass",
                          who, T.rows, T.cols, T.data ? "" : " with NULL data", net->batch, nnet_output_size(net));
    return NNET_OK;
}

// The data loss of outputs P (B, O), whose output layer summed Z, against T.
static double nnet__data_loss(nnet_loss loss, float delta, nnet_mat Z, nnet_mat P, nnet_mat T) {
    switch (loss) {
    case NNET_LOSS_CROSS_ENTROPY: return nnet_cross_entropy_forward(Z, T);
    case NNET_LOSS_BINARY_CROSS_ENTROPY: return nnet_binary_cross_entropy_forward(Z, T);
    case NNET_LOSS_MAE: return nnet_mae_forward(P, T);
    case NNET_LOSS_HUBER: return nnet_huber_forward(P, T, delta);
    default: return nnet_mse_forward(P, T);
    }
}

// L2: lambda/2 sum W^2 over every weight (biases are not penalised). Eight
// running sums, so that the adds need not wait for each other (nnet_train
// calls this every step); the same order on every machine.
static double nnet__l2_penalty(const nnet *net, float l2) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sum = 0.0;
    size_t k, n;
    int l, j;
    if (l2 == 0.0f) return 0.0;
    for (l = 0; l < net->n_layers; l++) {
        const float *w = net->layers[l].weight.data;
        n = nnet__count(net->layers[l].weight);
        for (k = 0; k + 8 <= n; k += 8)
            for (j = 0; j < 8; j++) part[j] += (double)w[k + (size_t)j] * w[k + (size_t)j];
        for (; k < n; k++) sum += (double)w[k] * w[k];
    }
    for (j = 0; j < 8; j++) sum += part[j];
    return 0.5 * l2 * sum;
}

NNETDEF int nnet_loss_value(nnet *net, nnet_mat T, float l2, double *loss) {
    int status;
    if (!net || !loss) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_loss_value: %s is NULL", !net ? "net" : "loss");
    if ((status = nnet__check_l2(l2, "nnet_loss_value")) != NNET_OK) return status;
    if ((status = nnet__check_targets(net, T, "nnet_loss_value")) != NNET_OK) return status;
    *loss = nnet__data_loss(net->loss, net->huber_delta, nnet__rows(net->logits, net->batch), nnet_output(net), T) +
            nnet__l2_penalty(net, l2);
    return NNET_OK;
}

// Backpropagation: the chain rule from the loss back to the first layer.
// The output layer starts it with the gradient of its loss; softmax + CE and
// sigmoid + BCE fuse into dZ = P - T (scaled), the regression losses give dL/dY,
// which the output activation's backward turns into dZ. Every layer then
// passes dX = dZ W down; the layer below multiplies it by its dropout mask
// and by f'. L2 adds l2 W to each weight gradient: d/dW (l2/2 sum W^2) = l2 W.
NNETDEF int nnet_backward(nnet *net, nnet_mat X, nnet_mat T, float l2) {
    int l, B, status;
    nnet_layer *top;
    nnet_mat dZ, P;
    if (!net || !X.data) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_backward: %s is NULL", !net ? "net" : "X.data");
    if (!net->gradients) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_backward: a network built by nnet_init_static cannot be trained");
    if (X.rows != net->batch || X.cols != net->n_inputs)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_backward: X is %dx%d, expected the %dx%d batch of the last forward pass",
                          X.rows, X.cols, net->batch, net->n_inputs);
    if ((status = nnet__check_l2(l2, "nnet_backward")) != NNET_OK) return status;
    if ((status = nnet__check_targets(net, T, "nnet_backward")) != NNET_OK) return status;
    B = net->batch;
    top = &net->layers[net->n_layers - 1];
    dZ = nnet__rows(top->delta, B);
    P = nnet_output(net);
    switch (net->loss) {
    case NNET_LOSS_CROSS_ENTROPY: nnet_cross_entropy_backward(dZ, P, T); break;
    case NNET_LOSS_BINARY_CROSS_ENTROPY: nnet_binary_cross_entropy_backward(dZ, P, T); break;
    default:
        if (net->loss == NNET_LOSS_MAE) nnet_mae_backward(dZ, P, T);
        else if (net->loss == NNET_LOSS_HUBER) nnet_huber_backward(dZ, P, T, net->huber_delta);
        else nnet_mse_backward(dZ, P, T);
        nnet_activation_backward(top->activation, net->leaky_slope, dZ, P);   // dL/dY -> dL/dZ
    }
    for (l = net->n_layers - 1; l >= 0; l--) {
        nnet_layer *layer = &net->layers[l], *below = l ? &net->layers[l - 1] : NULL;
        nnet_mat input = below ? nnet__rows(below->output, B) : X;
        nnet_mat dX = below ? nnet__rows(below->delta, B) : nnet_mat_view(0, 0, NULL), dZ_l = nnet__rows(layer->delta, B);
#ifndef NNET_REFERENCE
        if (net->internal.fused_step) {   // nnet_train's fast build: the layer's step goes with its gradient
            if (below) (void)nnet_gemm(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, dZ_l, layer->weight, 0.0f, dX);   // before W moves
            net->internal.fused_finite &= nnet__fast_layer_step(net, layer, dZ_l, input, net->internal.fused_step, l2);
        } else
#endif
        nnet_dense_backward(dX, layer->weight_grad, layer->bias_grad, dZ_l, input, layer->weight);
        if (below) {   // dX is dL/dY of the layer below: undo its dropout, then its activation
            nnet_mat y = input;
            if (net->internal.dropout_active && below->dropout > 0.0f) {
                nnet__multiply(dX, dX, nnet__rows(below->mask, B));
                y = nnet__rows(below->activated, B);
            }
            nnet_activation_backward(below->activation, net->leaky_slope, dX, y);
        }
        if (l2 != 0.0f && !net->internal.fused_step) nnet_axpy(layer->weight_grad.data, l2, layer->weight.data, nnet__count(layer->weight));
    }
    return NNET_OK;
}

NNETDEF void nnet_zero_grad(nnet *net) {
    if (net && net->gradients) memset(net->gradients, 0, net->n_parameters * sizeof(float));
}

// The widest layer's output count.
static int nnet__widest(const nnet *net) {
    int l, widest = 1;
    for (l = 0; l < net->n_layers; l++) widest = nnet__max(widest, net->layers[l].n_outputs);
    return widest;
}

// The forward pass for inference: no dropout and nothing kept for a
// backward pass, so it only reads the network. The layers take turns writing
// into two scratch buffers (B, widest layer), and the output layer's sums go
// to a third, (B, O). scratch holds nnet_predict_scratch_floats(net, B).
// *P receives the outputs and *Z the output layer's sums (the logits), both
// views into scratch.
static void nnet__infer(const nnet *net, nnet_mat X, float *scratch, nnet_mat *Z, nnet_mat *P) {
    int l, B = X.rows;
    size_t buffer = (size_t)B * (size_t)nnet__widest(net);
    nnet_mat input = X, sums = X;
    for (l = 0; l < net->n_layers; l++) {
        const nnet_layer *layer = &net->layers[l];
        nnet_mat Y = nnet_mat_view(B, layer->n_outputs, scratch + (size_t)(l % 2) * buffer);
        sums = l == net->n_layers - 1 ? nnet_mat_view(B, layer->n_outputs, scratch + 2 * buffer) : Y;
        nnet_dense_forward(Y, sums, input, layer->weight, layer->bias, layer->activation, net->leaky_slope);
        input = Y;
    }
    *Z = sums;
    *P = input;
}


// ---- 8. Optimisers ---------------------------------------------------------
static const char *const nnet__schedule_names[NNET_SCHEDULE_COUNT_] = {"constant", "step", "exp", "cosine"};
static const char *const nnet__optimizer_names[NNET_OPTIMIZER_COUNT_] = {"sgd", "adam", "adamw"};

NNETDEF const char *nnet_schedule_name(nnet_schedule s) {
    return (unsigned)s < NNET_SCHEDULE_COUNT_ ? nnet__schedule_names[s] : "unknown";
}

NNETDEF int nnet_schedule_from_name(const char *name) {
    static const char *const exponential[] = {"exponential"};
    if (nnet__lookup(name, exponential, 1) == 0) return NNET_SCHEDULE_EXPONENTIAL;
    return nnet__lookup(name, nnet__schedule_names, NNET_SCHEDULE_COUNT_);
}

NNETDEF const char *nnet_optimizer_name(nnet_optimizer_kind kind) {
    return (unsigned)kind < NNET_OPTIMIZER_COUNT_ ? nnet__optimizer_names[kind] : "unknown";
}

NNETDEF int nnet_optimizer_from_name(const char *name) {
    return nnet__lookup(name, nnet__optimizer_names, NNET_OPTIMIZER_COUNT_);
}

// The optimiser settings of a description, checked; who names the caller.
static int nnet__check_optimizer(const nnet_train_desc *d, const char *who) {
    if ((unsigned)d->optimizer >= NNET_OPTIMIZER_COUNT_)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: optimizer is %d, expected NNET_SGD, NNET_ADAM or NNET_ADAMW", who, (int)d->optimizer);
    if (!(d->momentum >= 0.0f && d->momentum < 1.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: momentum is %g, expected [0, 1)", who, (double)d->momentum);
    if (!(d->beta1 >= 0.0f && d->beta1 < 1.0f) || !(d->beta2 >= 0.0f && d->beta2 < 1.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: beta1 %g and beta2 %g, expected each in [0, 1) (0 means 0.9 and 0.999)",
                          who, (double)d->beta1, (double)d->beta2);
    if (!(d->eps >= 0.0f) || !nnet__is_finite(d->eps))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: eps is %g, expected a finite number >= 0 (0 means 1e-8)", who, (double)d->eps);
    if (!(d->weight_decay >= 0.0f) || !nnet__is_finite(d->weight_decay))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: weight_decay is %g, expected a finite number >= 0", who, (double)d->weight_decay);
    if (d->weight_decay != 0.0f && d->optimizer != NNET_ADAMW)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: weight_decay is AdamW's decoupled decay, but the optimizer is %s (use l2 for its weight decay)",
                          who, nnet_optimizer_name(d->optimizer));
    if (d->nesterov && (d->optimizer != NNET_SGD || d->momentum == 0.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: nesterov needs SGD with momentum > 0 (optimizer %s, momentum %g)",
                          who, nnet_optimizer_name(d->optimizer), (double)d->momentum);
    return NNET_OK;
}

NNETDEF float nnet_learning_rate(const nnet_train_desc *d, int epoch) {
    double lr = d->learning_rate, gamma = d->schedule_gamma;
    int horizon = d->schedule_epochs > 0 ? d->schedule_epochs : d->epochs;
    switch (d->schedule) {
    case NNET_SCHEDULE_STEP: {
        int step = d->schedule_step > 0 ? d->schedule_step : nnet__max(1, horizon / 3);
        return (float)(lr * pow(gamma > 0.0 ? gamma : 0.1, epoch / step));
    }
    case NNET_SCHEDULE_EXPONENTIAL: return (float)(lr * pow(gamma > 0.0 ? gamma : 0.95, epoch));
    case NNET_SCHEDULE_COSINE: {
        // Half a cosine from lr at epoch 0 towards min_learning_rate at epoch
        // E = horizon, one past the last epoch, as PyTorch's CosineAnnealingLR
        // with T_max = E: so the last epoch still learns, at a small rate.
        double low = d->min_learning_rate, progress = horizon > 0 ? (double)nnet__min(epoch, horizon) / horizon : 0.0;
        return (float)(low + 0.5 * (lr - low) * (1.0 + cos(3.141592653589793 * progress)));
    }
    default: return (float)lr;
    }
}

NNETDEF int nnet_clip_gradients(nnet *net, float max_norm, float *norm) {
    double sum = 0.0, length;
    size_t k;
    if (norm) *norm = 0.0f;
    if (!net || !net->gradients) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_clip_gradients: net is NULL or has no gradients");
    if (!(max_norm >= 0.0f) || !nnet__is_finite(max_norm))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_clip_gradients: max_norm is %g, expected a finite number >= 0 (0: only measure)",
                          (double)max_norm);
    for (k = 0; k < net->n_parameters; k++) sum += (double)net->gradients[k] * net->gradients[k];
    length = sqrt(sum);
    if (norm) *norm = (float)length;
    if (max_norm > 0.0f && max_norm / (length + 1e-6) < 1.0)
        nnet_scale(net->gradients, (float)(max_norm / (length + 1e-6)), net->n_parameters);
    return NNET_OK;
}

#ifdef NNET_REFERENCE
// A first moment (v or m) that decays towards 0 is stored as 0 once it falls
// below the smallest normal float, FLT_MIN = 2^-126. When a weight's
// gradient is 0 step after step (its pixel blank in every image of those
// batches), its moment shrinks by mu or b1 (0.9 by default) a step, and
// without this it would spend some 150 steps as a subnormal number on its
// way to 0: arithmetic on one can take a slow microcode path on x86,
// while its share of the weight's step is lost in the rounding anyway.
// Adam's s shrinks by b2 = 0.999 a step and needs tens of thousands of
// steps without a gradient to get there, so it is left alone. NaN stays NaN
// (the comparison is false), so a diverging step is still caught. For the
// same reason Adam divides m by sqrt(s) + eps before multiplying by the
// step size (as PyTorch's addcdiv does): a small m times a step size of
// 1e-3 would be subnormal again. Part III flushes a vector the same way
// (nnet__vflush).
static float nnet__flush_subnormal(float x) {
    return fabsf(x) < FLT_MIN ? 0.0f : x;
}

// The step on n parameters w with gradients g and state m (and s), in
// order; is_weight says whether AdamW's decay applies (not to biases).
// Returns 1 when every new w is finite: w - w is 0 for a finite w, NaN
// otherwise. Each line is one formula of nnet_optimizer_step's comment.
static int nnet__step_range(const nnet__step *h, float *w, const float *g, float *m, float *s, size_t n, int is_weight) {
    size_t k;
    int finite = 1;
    for (k = 0; k < n; k++) {
        float wk = w[k], gk = g[k];
        if (h->kind == NNET_SGD) {
            m[k] = nnet__flush_subnormal(h->momentum * m[k] + gk);                 // v = mu v + g
            wk -= h->learning_rate * (h->nesterov ? gk + h->momentum * m[k] : m[k]); // w -= lr v
        } else {
            if (is_weight) wk *= h->decay;                                         // AdamW: w -= lr wd w
            m[k] = nnet__flush_subnormal(h->beta1 * m[k] + (1.0f - h->beta1) * gk); // m = b1 m + (1-b1) g
            s[k] = h->beta2 * s[k] + (1.0f - h->beta2) * gk * gk;                  // s = b2 s + (1-b2) g^2
            wk -= h->step_size * (m[k] / (sqrtf(s[k]) + h->eps_scaled));           // w -= lr m^ / (sqrt(s^) + eps)
        }
        w[k] = wk;
        finite &= wk - wk == 0.0f;
    }
    return finite;
}
#endif

// What every step begins with: the arguments checked, the optimiser's state
// ready (Adam's second moment allocated the first time Adam runs; another
// optimiser than the state's starts from zero), the step counted, and the
// step's settings worked out into h.
static int nnet__step_begin(nnet *net, const nnet_train_desc *desc, float learning_rate, nnet__step *h) {
    nnet_optimizer *state;
    int status;
    double t, correction2;
    if (!net || !desc) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_optimizer_step: %s is NULL", !net ? "net" : "desc");
    if (!net->gradients) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_optimizer_step: a network built by nnet_init_static cannot be trained");
    if (!(learning_rate >= 0.0f) || !nnet__is_finite(learning_rate))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_optimizer_step: learning rate %g, expected a finite number >= 0", (double)learning_rate);
    if ((status = nnet__check_optimizer(desc, "nnet_optimizer_step")) != NNET_OK) return status;
    state = &net->optimizer;
    // Adam keeps a second moment; it is allocated the first time Adam runs.
    if (desc->optimizer != NNET_SGD && !state->second_moment) {
        state->second_moment = (float *)nnet__alloc(net->n_parameters * sizeof(float), "nnet_optimizer_step (Adam's second moment)");
        if (!state->second_moment) return NNET_ERR_MEMORY;
        memset(state->second_moment, 0, net->n_parameters * sizeof(float));
    }
    if (desc->optimizer != state->kind) {   // another optimiser: its state starts from zero
        memset(state->first_moment, 0, net->n_parameters * sizeof(float));
        if (state->second_moment) memset(state->second_moment, 0, net->n_parameters * sizeof(float));
        state->kind = desc->optimizer;
        state->steps = 0;
    }
    state->steps++;
    t = (double)state->steps;
    h->kind = desc->optimizer;
    h->learning_rate = learning_rate;
    h->momentum = desc->momentum;
    h->nesterov = desc->nesterov;
    h->beta1 = desc->beta1 > 0.0f ? desc->beta1 : 0.9f;
    h->beta2 = desc->beta2 > 0.0f ? desc->beta2 : 0.999f;
    h->eps = desc->eps > 0.0f ? desc->eps : 1e-8f;
    // Adam's moments start at 0, so early on they are too small by the
    // factor 1 - beta^t: divide it out (bias correction), m^ = m / (1 - b1^t)
    // and sqrt(s^) = sqrt(s) / c with c = sqrt(1 - b2^t). Multiplying the
    // fraction above and below by c leaves one division per weight:
    // lr m^ / (sqrt(s^) + eps) = [lr c / (1 - b1^t)] m / (sqrt(s) + c eps).
    correction2 = sqrt(1.0 - pow(h->beta2, t));
    h->step_size = (float)(learning_rate * correction2 / (1.0 - pow(h->beta1, t)));
    h->eps_scaled = (float)(h->eps * correction2);
    h->decay = desc->optimizer == NNET_ADAMW
             ? (float)(1.0 - (double)learning_rate * (desc->weight_decay > 0.0f ? desc->weight_decay : 0.01f)) : 1.0f;
    return NNET_OK;
}

NNETDEF int nnet_optimizer_step(nnet *net, const nnet_train_desc *desc, float learning_rate) {
    nnet__step h;
    int status, l, finite = 1;
    if ((status = nnet__step_begin(net, desc, learning_rate, &h)) != NNET_OK) return status;
#ifndef NNET_REFERENCE
    finite = nnet__fast_step(net, &h);   // the seam
#else
    for (l = 0; l < net->n_layers; l++) {
        const nnet_layer *layer = &net->layers[l];
        size_t w = (size_t)(layer->weight.data - net->parameters), b = (size_t)(layer->bias - net->parameters);
        float *m = net->optimizer.first_moment, *s = net->optimizer.second_moment;
        finite &= nnet__step_range(&h, net->parameters + w, net->gradients + w, m + w, s ? s + w : NULL,
                                   nnet__count(layer->weight), 1);
        finite &= nnet__step_range(&h, net->parameters + b, net->gradients + b, m + b, s ? s + b : NULL,
                                   (size_t)layer->n_outputs, 0);
    }
#endif
    (void)l;
    if (!finite) return nnet__fail(NNET_ERR_DIVERGED, "nnet_optimizer_step: the step made a weight NaN or infinite (learning rate %g)",
                                   (double)learning_rate);
    return NNET_OK;
}


// ---- 9. The training loop --------------------------------------------------
// How accuracy is counted for a network and a dataset (nnet_epoch_stats):
// labels with several outputs, or cross-entropy on targets: the argmax of each
// row; labels with one output, or binary cross-entropy on targets: p >= 0.5
// for each output; regression losses on targets: not at all.
enum { NNET__ACCURACY_NONE, NNET__ACCURACY_ARGMAX, NNET__ACCURACY_THRESHOLD };

static int nnet__accuracy_kind(const nnet *net, const nnet_dataset *data) {
    if (data->labels) return nnet_output_size(net) == 1 ? NNET__ACCURACY_THRESHOLD : NNET__ACCURACY_ARGMAX;
    if (net->loss == NNET_LOSS_CROSS_ENTROPY) return NNET__ACCURACY_ARGMAX;
    return net->loss == NNET_LOSS_BINARY_CROSS_ENTROPY ? NNET__ACCURACY_THRESHOLD : NNET__ACCURACY_NONE;
}

// What nnet__correct counts per sample: 1 row, or its O outputs.
static int nnet__accuracy_unit(const nnet *net, int kind) { return kind == NNET__ACCURACY_THRESHOLD ? nnet_output_size(net) : 1; }

// The right predictions of outputs P against targets T, both (B, O).
static long nnet__correct(nnet_mat P, nnet_mat T, int kind) {
    long correct = 0;
    size_t k, n = nnet__count(P);
    int i, j;
    if (kind == NNET__ACCURACY_THRESHOLD)
        for (k = 0; k < n; k++) correct += (P.data[k] >= 0.5f) == (T.data[k] >= 0.5f);
    else if (kind == NNET__ACCURACY_ARGMAX)
        for (i = 0; i < P.rows; i++) {
            const float *p = &NNET_AT(P, i, 0), *t = &NNET_AT(T, i, 0);
            int predicted = 0, truth = 0;
            for (j = 1; j < P.cols; j++) {
                if (p[j] > p[predicted]) predicted = j;
                if (t[j] > t[truth]) truth = j;
            }
            correct += predicted == truth;
        }
    return correct;
}

// Are there samples, as floats or as bytes (one of the two, with a finite scale)?
static int nnet__has_inputs(const nnet_dataset *data) {
    return data && data->inputs.rows >= 1 && data->inputs.cols >= 1 && !data->inputs.data != !data->bytes &&
           (!data->bytes || nnet__is_finite(data->byte_scale));
}

// Does the dataset have samples of the network's input width?
static int nnet__check_inputs_for(const nnet *net, const nnet_dataset *s, const char *who, const char *name) {
    if (!nnet__has_inputs(s))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set is NULL or empty, or has not exactly one of float inputs and bytes (with a finite byte_scale)",
                          who, name);
    if (s->inputs.cols != net->n_inputs)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set has %d features, the network expects %d inputs",
                          who, name, s->inputs.cols, net->n_inputs);
    return NNET_OK;
}

// Does the dataset fit the network: inputs of its width, and either labels
// its outputs can hold or finite targets of its output size?
static int nnet__check_dataset_for(const nnet *net, const nnet_dataset *s, const char *who, const char *name) {
    int O = nnet_output_size(net), classes = O == 1 ? 2 : O, row, status;
    size_t k;
    if ((status = nnet__check_inputs_for(net, s, who, name)) != NNET_OK) return status;
    if (!s->labels == !s->targets.data)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set has %s; expected labels or targets, one of the two",
                          who, name, s->labels ? "both labels and targets" : "neither labels nor targets");
    if (s->targets.data) {
        if (s->targets.rows != s->inputs.rows || s->targets.cols != O)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set has targets %dx%d, expected %dx%d (a row of the network's %d outputs per sample)",
                              who, name, s->targets.rows, s->targets.cols, s->inputs.rows, O, O);
        for (k = 0; k < nnet__count(s->targets); k++)
            if (!nnet__is_finite(s->targets.data[k]))
                return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set target %d of sample %d is %g, expected a finite number",
                                  who, name, (int)(k % (size_t)O), (int)(k / (size_t)O), (double)s->targets.data[k]);
        // Cross-entropy's gradient P - T holds for target rows that are distributions.
        for (row = 0; net->loss == NNET_LOSS_CROSS_ENTROPY && row < s->inputs.rows; row++) {
            double sum = 0.0, low = 0.0;
            int j;
            for (j = 0; j < O; j++) { sum += NNET_AT(s->targets, row, j); low = fmin(low, NNET_AT(s->targets, row, j)); }
            if (low < 0.0 || fabs(sum - 1.0) > 1e-3)
                return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set targets of sample %d sum to %g%s; cross-entropy needs rows of probabilities (>= 0, summing to 1)",
                                  who, name, row, sum, low < 0.0 ? " with a negative entry" : "");
        }
        return NNET_OK;
    }
    if (s->n_classes > classes)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set has %d classes, the network's %d outputs hold %d",
                          who, name, s->n_classes, O, classes);
    for (row = 0; row < s->inputs.rows; row++)
        if (s->labels[row] < 0 || s->labels[row] >= classes)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s set label %d (sample %d) is outside 0..%d",
                              who, name, s->labels[row], row, classes - 1);
    return NNET_OK;
}

static int nnet__check_train(const nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                             const nnet_train_desc *d) {
    int status;
    if (!net || !train || !d)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: %s is NULL", !net ? "net" : !train ? "train" : "desc");
    if (!net->gradients) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: a network built by nnet_init_static cannot be trained");
    if (d->epochs < 1) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: epochs is %d, expected >= 1", d->epochs);
    if (d->batch_size < 0 || d->batch_size > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: batch_size is %d, expected 1..%d (0 means 32)", d->batch_size, NNET_MAX_DIM);
    if (!(d->learning_rate > 0.0f) || !nnet__is_finite(d->learning_rate))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: learning_rate is %g, expected a finite number > 0", (double)d->learning_rate);
    if ((status = nnet__check_optimizer(d, "nnet_train")) != NNET_OK) return status;
    if (nnet__check_l2(d->l2, "nnet_train")) return NNET_ERR_ARGUMENT;
    if ((unsigned)d->schedule >= NNET_SCHEDULE_COUNT_ || d->schedule_step < 0 || !(d->schedule_gamma >= 0.0f) ||
        !(d->min_learning_rate >= 0.0f) || d->min_learning_rate > d->learning_rate || d->schedule_epochs < 0)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: schedule %d, schedule_step %d, schedule_gamma %g, min_learning_rate %g or schedule_epochs %d out of range",
                          (int)d->schedule, d->schedule_step, (double)d->schedule_gamma, (double)d->min_learning_rate,
                          d->schedule_epochs);
    if (d->threads < 0 || d->threads > 1024)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: threads is %d, expected 0..1024", d->threads);
    if (!(d->clip_norm >= 0.0f) || !nnet__is_finite(d->clip_norm))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: clip_norm is %g, expected a finite number >= 0 (0: no clipping)", (double)d->clip_norm);
    if (d->warmup_epochs < 0 || d->patience < 0)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: warmup_epochs %d and patience %d, expected each >= 0", d->warmup_epochs, d->patience);
    if (d->patience > 0 && !validation)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: patience %d needs a validation set to watch", d->patience);
    if ((unsigned)d->monitor > NNET_MONITOR_ACCURACY)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: monitor is %d, expected NNET_MONITOR_LOSS or NNET_MONITOR_ACCURACY", (int)d->monitor);
    if ((status = nnet__check_dataset_for(net, train, "nnet_train", "train")) != NNET_OK) return status;
    if (validation && (status = nnet__check_dataset_for(net, validation, "nnet_train", "validation")) != NNET_OK) return status;
    if (d->patience > 0 && d->monitor == NNET_MONITOR_ACCURACY && nnet__accuracy_kind(net, validation) == NNET__ACCURACY_NONE)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: monitor is accuracy, but a %s loss on float targets has none (watch the loss)",
                          nnet_loss_name(net->loss));
    return NNET_OK;
}

// Copy rows [i0, i1) of a batch: sample order[start + i] (order NULL: start +
// i) of the dataset, its inputs into row i of X (bytes become floats here)
// and its targets into row i of T (from its label, or its row of targets;
// none when T.data is NULL). Every product then runs on one dense (B, I)
// matrix.
static void nnet__gather_rows(nnet_mat X, nnet_mat T, const nnet_dataset *data, const int *order, int start, int i0, int i1) {
    int i, k;
    for (i = i0; i < i1; i++) {
        int row = order ? order[start + i] : start + i;
        float *x = &NNET_AT(X, i, 0), scale = data->byte_scale;
        if (data->bytes) {
            const unsigned char *b = data->bytes + (size_t)row * (size_t)X.cols;
            for (k = 0; k < X.cols; k++) x[k] = (float)b[k] * scale;
        } else {
            memcpy(x, &NNET_AT(data->inputs, row, 0), (size_t)X.cols * sizeof(float));
        }
        if (!T.data) continue;
        if (data->labels)
            nnet_labels_to_targets(nnet_mat_view(1, T.cols, &NNET_AT(T, i, 0)), &data->labels[row], T.cols == 1 ? 2 : T.cols);
        else
            memcpy(&NNET_AT(T, i, 0), &NNET_AT(data->targets, row, 0), (size_t)T.cols * sizeof(float));
    }
}

// Mean loss (without L2) and accuracy of a checked dataset, in chunks of
// X.rows rows gathered into X and T, with inference scratch for that many.
static void nnet__evaluate(const nnet *net, const nnet_dataset *data, nnet_mat X, nnet_mat T, float *scratch,
                           double *loss, double *accuracy) {
    double total = 0.0;
    long correct = 0;
    int start, N = data->inputs.rows, kind = nnet__accuracy_kind(net, data);
    for (start = 0; start < N; start += X.rows) {
        int B = nnet__min(X.rows, N - start);
        nnet_mat x = nnet__rows(X, B), t = nnet__rows(T, B), Z, P;
        nnet__gather_rows(x, t, data, NULL, start, 0, B);
        nnet__infer(net, x, scratch, &Z, &P);
        total += nnet__data_loss(net->loss, net->huber_delta, Z, P, t) * B;
        correct += nnet__correct(P, t, kind);
    }
    *loss = total / N;
    *accuracy = kind == NNET__ACCURACY_NONE ? NAN : (double)correct / ((double)N * nnet__accuracy_unit(net, kind));
}

// Training went wrong: put back the weights saved at the end of the last
// completed epoch, and clear the optimiser's state, which may hold NaN.
static int nnet__diverged(nnet *net, const float *saved, int epochs_before) {
    char reason[sizeof nnet__message];
    memcpy(reason, nnet__message, sizeof reason);
    memcpy(net->parameters, saved, net->n_parameters * sizeof(float));
    memset(net->optimizer.first_moment, 0, net->n_parameters * sizeof(float));
    if (net->optimizer.second_moment) memset(net->optimizer.second_moment, 0, net->n_parameters * sizeof(float));
    net->optimizer.steps = 0;
    if (net->epoch > 0)
        return nnet__fail(NNET_ERR_DIVERGED, "%s; the network keeps the weights of epoch %d, and its optimiser starts again",
                          reason, net->epoch);
    return nnet__fail(NNET_ERR_DIVERGED, "%s; the network keeps the weights it had before %s, and its optimiser starts again",
                      reason, epochs_before ? "this call" : "training");
}

#if !defined(NNET_REFERENCE) && !defined(NNET_USE_CBLAS)
// nnet_backward with each layer's optimiser step applied as soon as its
// gradient is complete, in Part III (nnet__fast_layer_step): the same bits
// as nnet_backward, nnet_optimizer_step and nnet_zero_grad one after the
// other, without storing the weight gradients. Not with clipping, which
// needs the norm of all the gradients first.
static int nnet__backward_and_step(nnet *net, nnet_mat X, nnet_mat T, const nnet_train_desc *desc, float learning_rate) {
    nnet__step h;
    int status = nnet__step_begin(net, desc, learning_rate, &h);
    if (status != NNET_OK) return status;
    net->internal.fused_step = &h;
    net->internal.fused_finite = 1;
    nnet_backward(net, X, T, desc->l2);
    net->internal.fused_step = NULL;
    if (!net->internal.fused_finite)
        return nnet__fail(NNET_ERR_DIVERGED, "nnet_optimizer_step: the step made a weight NaN or infinite (learning rate %g)",
                          (double)learning_rate);
    return NNET_OK;
}
#endif

// The whole loop. Per batch: gather the samples, forward, loss, backward,
// step, and the gradients back to zero; per epoch: shuffle first, then the
// statistics, the validation set and early stopping. The batch loop sits in
// this function itself, so that in the reading build the layer's
// multiply-add is four calls below it: nnet_train -> nnet_forward ->
// nnet_dense_forward -> nnet_gemm -> nnet_gemm_reference.
NNETDEF int nnet_train(nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                       const nnet_train_desc *desc, nnet_epoch_stats *history, int *epochs_run) {
    nnet_train_desc plan;
    int N, B, O, batches, epoch, b, i, status, kind, first_epoch, best_epoch = 0, since_best = 0, stop = 0;
    size_t lines_x, lines_t, lines_p, scratch, bytes;
    float *block, *saved, *best, *scratch_floats;
    int *order;
    double best_value = 0.0;
    nnet_mat Xb, Tb;
    if (epochs_run) *epochs_run = 0;
    if ((status = nnet__check_train(net, train, validation, desc)) != NNET_OK) return status;
#ifndef NNET_REFERENCE
    // With threads, Part III keeps a team for the whole call and runs this
    // function again on it (the seam); it returns NNET__RUN_HERE on the team.
    if ((status = nnet__train_on_team(net, train, validation, desc, history, epochs_run)) != NNET__RUN_HERE) return status;
#endif
    N = train->inputs.rows;
    O = nnet_output_size(net);
    B = desc->batch_size ? nnet__min(desc->batch_size, N) : nnet__min(32, N);
    batches = (N + B - 1) / B;
    first_epoch = net->epoch;
    plan = *desc;   // the schedule's horizon: by default the epoch this call ends at
    if (plan.schedule_epochs <= 0) plan.schedule_epochs = net->epoch + desc->epochs;
    if ((status = nnet_reserve(net, B)) != NNET_OK) return status;
    // Everything the loop needs, allocated once, each part on its own cache
    // lines: a batch of inputs X (B, I) and targets T (B, O), the weights of
    // the last completed epoch (put back if training diverges), the best
    // weights (early stopping), inference scratch (validation), the order (N).
    lines_x = nnet__whole_lines(nnet__bytes((size_t)B, (size_t)net->n_inputs, 1));
    lines_t = nnet__whole_lines((size_t)B * (size_t)O);
    lines_p = nnet__whole_lines(net->n_parameters);
    scratch = nnet__whole_lines(nnet_predict_scratch_floats(net, B));
    bytes = lines_x && scratch ? nnet__bytes(lines_x + lines_t + (desc->patience ? 2 : 1) * lines_p + scratch, sizeof(float), 1) : 0;
    if (!bytes || bytes > SIZE_MAX - (size_t)N * sizeof(int))
        return nnet__fail(NNET_ERR_MEMORY, "nnet_train: the buffers for batches of %d rows do not fit in memory", B);
    block = (float *)nnet__alloc(bytes + (size_t)N * sizeof(int), "nnet_train");
    if (!block) return NNET_ERR_MEMORY;
    Xb = nnet_mat_view(B, net->n_inputs, block);
    Tb = nnet_mat_view(B, O, block + lines_x);
    saved = block + lines_x + lines_t;
    scratch_floats = saved + lines_p;
    best = desc->patience ? scratch_floats + scratch : NULL;
    order = (int *)(void *)(block + bytes / sizeof(float));
    memcpy(saved, net->parameters, net->n_parameters * sizeof(float));
    if (!net->internal.rng_seeded) {
        nnet_rng_seed(&net->rng, desc->seed);
        net->internal.rng_seeded = 1;
    }
    kind = nnet__accuracy_kind(net, train);
    net->best_epoch = 0;
    nnet_zero_grad(net);
    for (epoch = 0; epoch < desc->epochs && !stop; epoch++) {
        nnet_epoch_stats stats;
        nnet_progress progress;
        double started = nnet__seconds(), total_loss = 0.0;
        long correct = 0;
        float lr = nnet_learning_rate(&plan, net->epoch);
        for (i = 0; i < N; i++) order[i] = i;
        if (!desc->no_shuffle)   // Fisher-Yates: position i takes a uniform pick among 0..i
            for (i = N - 1; i > 0; i--) {
                int j = (int)nnet_rng_below(&net->rng, (uint32_t)i + 1u), t = order[i];
                order[i] = order[j]; order[j] = t;
            }
        memset(&progress, 0, sizeof progress);
        progress.epoch = net->epoch + 1; progress.epochs = first_epoch + desc->epochs; progress.batches = batches;
        for (b = 0; b < batches; b++) {
            int rows = nnet__min(B, N - b * B);
            nnet_mat X = nnet__rows(Xb, rows), T = nnet__rows(Tb, rows);
            double loss = 0.0;   // set by nnet_loss_value; gcc cannot see that at -O2 with NNET_STATIC
            float step_lr = lr;
            if (desc->warmup_epochs > 0) {   // linear warm-up over the first warmup_epochs epochs' steps
                int64_t steps = desc->optimizer == net->optimizer.kind ? net->optimizer.steps : 0;   // a new optimiser starts at 0
                step_lr = (float)(lr * fmin(1.0, (double)(steps + 1) / ((double)desc->warmup_epochs * batches)));
            }
#ifdef NNET_REFERENCE
            nnet__gather_rows(X, T, train, order, b * B, 0, rows);
#else
            nnet__fast_gather(X, T, train, order, b * B);   // the seam
#endif
            if (desc->augment) desc->augment(X, &net->rng, desc->user_data);
            // The arguments were checked up front: only divergence can fail.
            nnet_forward(net, X, 1, &net->rng);          // P = f(... f(X W_1^T + b_1) ...)
            nnet_loss_value(net, T, desc->l2, &loss);    // L(P, T)
            if (!nnet__is_finite(loss)) {
                nnet__fail(NNET_ERR_DIVERGED, "nnet_train: loss is %g at epoch %d, batch %d of %d (learning rate %g)",
                           loss, net->epoch + 1, b + 1, batches, (double)step_lr);
                status = nnet__diverged(net, saved, first_epoch);
                break;
            }
            total_loss += loss * rows;
            correct += nnet__correct(nnet_output(net), T, kind);
#if !defined(NNET_REFERENCE) && !defined(NNET_USE_CBLAS)
            if (desc->clip_norm == 0.0f)   // the seam: the step fused into the backward pass
                status = nnet__backward_and_step(net, X, T, &plan, step_lr);
            else
#endif
            {
                nnet_backward(net, X, T, desc->l2);                       // g += dL/dw
                if (desc->clip_norm > 0.0f) nnet_clip_gradients(net, desc->clip_norm, NULL);
                status = nnet_optimizer_step(net, &plan, step_lr);        // w -= lr (...)
                nnet_zero_grad(net);   // used up: the next backward pass adds into zeros
            }
            if (status != NNET_OK) {
                if (status != NNET_ERR_DIVERGED) break;   // out of memory for Adam's second moment
                nnet__fail(NNET_ERR_DIVERGED, "nnet_train: the step of epoch %d, batch %d of %d (learning rate %g) made a weight NaN or infinite",
                           net->epoch + 1, b + 1, batches, (double)step_lr);
                status = nnet__diverged(net, saved, first_epoch);
                break;
            }
            if (desc->progress) {
                progress.batch = b + 1;
                progress.loss = total_loss / ((double)b * B + rows);
                progress.accuracy = kind == NNET__ACCURACY_NONE ? NAN
                                  : (double)correct / (((double)b * B + rows) * nnet__accuracy_unit(net, kind));
                progress.seconds = nnet__seconds() - started;
                progress.learning_rate = step_lr;
                if (desc->progress(&progress, desc->user_data)) { stop = 1; break; }
            }
        }
        if (status != NNET_OK || stop) break;   // a stopped epoch is not counted
        net->epoch++;
        memcpy(saved, net->parameters, net->n_parameters * sizeof(float));
        stats.epoch = net->epoch;
        stats.train_loss = total_loss / N;
        stats.train_accuracy = kind == NNET__ACCURACY_NONE ? NAN : (double)correct / ((double)N * nnet__accuracy_unit(net, kind));
        stats.learning_rate = progress.learning_rate = lr;
        stats.validation_loss = stats.validation_accuracy = NAN;
        if (validation) nnet__evaluate(net, validation, Xb, Tb, scratch_floats, &stats.validation_loss, &stats.validation_accuracy);
        stats.seconds = nnet__seconds() - started;
        if (history) history[epoch] = stats;
        if (epochs_run) *epochs_run = epoch + 1;
        if (best) {   // early stopping: keep the best weights, stop after `patience` epochs without a better one
            double value = desc->monitor == NNET_MONITOR_ACCURACY ? -stats.validation_accuracy : stats.validation_loss;
            if (!best_epoch || value < best_value) {
                best_value = value;
                best_epoch = net->epoch;
                since_best = 0;
                memcpy(best, net->parameters, net->n_parameters * sizeof(float));
            } else if (++since_best >= desc->patience) {
                stop = 1;
            }
        }
        if (desc->progress) {
            progress.seconds = stats.seconds;
            progress.end_of_epoch = &stats;
            if (desc->progress(&progress, desc->user_data)) stop = 1;
        }
    }
    if (status == NNET_OK && best_epoch) {
        memcpy(net->parameters, best, net->n_parameters * sizeof(float));
        net->best_epoch = best_epoch;
    }
    nnet_zero_grad(net);
    nnet__free(block);
    return status;
}

NNETDEF void nnet_training_reset(nnet *net) {
    if (!net || !net->gradients) return;
    memset(net->optimizer.first_moment, 0, net->n_parameters * sizeof(float));
    if (net->optimizer.second_moment) memset(net->optimizer.second_moment, 0, net->n_parameters * sizeof(float));
    net->optimizer.kind = NNET_SGD;
    net->optimizer.steps = 0;
    net->epoch = net->best_epoch = 0;
    net->internal.rng_seeded = 0;
}

/* ========================================================================== */
/*                          PART II  DATA AND FILES                           */
/* ========================================================================== */

// Two helpers of the file formats below: a checksum, and reading a whole file.
// CRC-32 (ISO-HDLC: the checksum of gzip, zip and PNG; reflected polynomial
// 0xEDB88320), updated over n more bytes. Start with crc = 0; the pre- and
// post-inversion happen inside, so nnet__crc32(0, "123456789", 9) = 0xCBF43926
// and a checksum can be continued over pieces: crc32(crc32(0, a), b) = crc32(0, ab).
// table[n] is the CRC register after shifting the byte n through it, i.e. n
// run through 8 steps of  c = c & 1 ? (c >> 1) ^ 0xEDB88320 : c >> 1.  It is
// written out (by that rule) rather than computed at start-up, so no table is
// ever written at run time.
static uint32_t nnet__crc32(uint32_t crc, const void *data, size_t n) {
    static const uint32_t table[256] = {
        0x00000000u, 0x77073096u, 0xEE0E612Cu, 0x990951BAu, 0x076DC419u, 0x706AF48Fu, 0xE963A535u, 0x9E6495A3u,
        0x0EDB8832u, 0x79DCB8A4u, 0xE0D5E91Eu, 0x97D2D988u, 0x09B64C2Bu, 0x7EB17CBDu, 0xE7B82D07u, 0x90BF1D91u,
        0x1DB71064u, 0x6AB020F2u, 0xF3B97148u, 0x84BE41DEu, 0x1ADAD47Du, 0x6DDDE4EBu, 0xF4D4B551u, 0x83D385C7u,
        0x136C9856u, 0x646BA8C0u, 0xFD62F97Au, 0x8A65C9ECu, 0x14015C4Fu, 0x63066CD9u, 0xFA0F3D63u, 0x8D080DF5u,
        0x3B6E20C8u, 0x4C69105Eu, 0xD56041E4u, 0xA2677172u, 0x3C03E4D1u, 0x4B04D447u, 0xD20D85FDu, 0xA50AB56Bu,
        0x35B5A8FAu, 0x42B2986Cu, 0xDBBBC9D6u, 0xACBCF940u, 0x32D86CE3u, 0x45DF5C75u, 0xDCD60DCFu, 0xABD13D59u,
        0x26D930ACu, 0x51DE003Au, 0xC8D75180u, 0xBFD06116u, 0x21B4F4B5u, 0x56B3C423u, 0xCFBA9599u, 0xB8BDA50Fu,
        0x2802B89Eu, 0x5F058808u, 0xC60CD9B2u, 0xB10BE924u, 0x2F6F7C87u, 0x58684C11u, 0xC1611DABu, 0xB6662D3Du,
        0x76DC4190u, 0x01DB7106u, 0x98D220BCu, 0xEFD5102Au, 0x71B18589u, 0x06B6B51Fu, 0x9FBFE4A5u, 0xE8B8D433u,
        0x7807C9A2u, 0x0F00F934u, 0x9609A88Eu, 0xE10E9818u, 0x7F6A0DBBu, 0x086D3D2Du, 0x91646C97u, 0xE6635C01u,
        0x6B6B51F4u, 0x1C6C6162u, 0x856530D8u, 0xF262004Eu, 0x6C0695EDu, 0x1B01A57Bu, 0x8208F4C1u, 0xF50FC457u,
        0x65B0D9C6u, 0x12B7E950u, 0x8BBEB8EAu, 0xFCB9887Cu, 0x62DD1DDFu, 0x15DA2D49u, 0x8CD37CF3u, 0xFBD44C65u,
        0x4DB26158u, 0x3AB551CEu, 0xA3BC0074u, 0xD4BB30E2u, 0x4ADFA541u, 0x3DD895D7u, 0xA4D1C46Du, 0xD3D6F4FBu,
        0x4369E96Au, 0x346ED9FCu, 0xAD678846u, 0xDA60B8D0u, 0x44042D73u, 0x33031DE5u, 0xAA0A4C5Fu, 0xDD0D7CC9u,
        0x5005713Cu, 0x270241AAu, 0xBE0B1010u, 0xC90C2086u, 0x5768B525u, 0x206F85B3u, 0xB966D409u, 0xCE61E49Fu,
        0x5EDEF90Eu, 0x29D9C998u, 0xB0D09822u, 0xC7D7A8B4u, 0x59B33D17u, 0x2EB40D81u, 0xB7BD5C3Bu, 0xC0BA6CADu,
        0xEDB88320u, 0x9ABFB3B6u, 0x03B6E20Cu, 0x74B1D29Au, 0xEAD54739u, 0x9DD277AFu, 0x04DB2615u, 0x73DC1683u,
        0xE3630B12u, 0x94643B84u, 0x0D6D6A3Eu, 0x7A6A5AA8u, 0xE40ECF0Bu, 0x9309FF9Du, 0x0A00AE27u, 0x7D079EB1u,
        0xF00F9344u, 0x8708A3D2u, 0x1E01F268u, 0x6906C2FEu, 0xF762575Du, 0x806567CBu, 0x196C3671u, 0x6E6B06E7u,
        0xFED41B76u, 0x89D32BE0u, 0x10DA7A5Au, 0x67DD4ACCu, 0xF9B9DF6Fu, 0x8EBEEFF9u, 0x17B7BE43u, 0x60B08ED5u,
        0xD6D6A3E8u, 0xA1D1937Eu, 0x38D8C2C4u, 0x4FDFF252u, 0xD1BB67F1u, 0xA6BC5767u, 0x3FB506DDu, 0x48B2364Bu,
        0xD80D2BDAu, 0xAF0A1B4Cu, 0x36034AF6u, 0x41047A60u, 0xDF60EFC3u, 0xA867DF55u, 0x316E8EEFu, 0x4669BE79u,
        0xCB61B38Cu, 0xBC66831Au, 0x256FD2A0u, 0x5268E236u, 0xCC0C7795u, 0xBB0B4703u, 0x220216B9u, 0x5505262Fu,
        0xC5BA3BBEu, 0xB2BD0B28u, 0x2BB45A92u, 0x5CB36A04u, 0xC2D7FFA7u, 0xB5D0CF31u, 0x2CD99E8Bu, 0x5BDEAE1Du,
        0x9B64C2B0u, 0xEC63F226u, 0x756AA39Cu, 0x026D930Au, 0x9C0906A9u, 0xEB0E363Fu, 0x72076785u, 0x05005713u,
        0x95BF4A82u, 0xE2B87A14u, 0x7BB12BAEu, 0x0CB61B38u, 0x92D28E9Bu, 0xE5D5BE0Du, 0x7CDCEFB7u, 0x0BDBDF21u,
        0x86D3D2D4u, 0xF1D4E242u, 0x68DDB3F8u, 0x1FDA836Eu, 0x81BE16CDu, 0xF6B9265Bu, 0x6FB077E1u, 0x18B74777u,
        0x88085AE6u, 0xFF0F6A70u, 0x66063BCAu, 0x11010B5Cu, 0x8F659EFFu, 0xF862AE69u, 0x616BFFD3u, 0x166CCF45u,
        0xA00AE278u, 0xD70DD2EEu, 0x4E048354u, 0x3903B3C2u, 0xA7672661u, 0xD06016F7u, 0x4969474Du, 0x3E6E77DBu,
        0xAED16A4Au, 0xD9D65ADCu, 0x40DF0B66u, 0x37D83BF0u, 0xA9BCAE53u, 0xDEBB9EC5u, 0x47B2CF7Fu, 0x30B5FFE9u,
        0xBDBDF21Cu, 0xCABAC28Au, 0x53B39330u, 0x24B4A3A6u, 0xBAD03605u, 0xCDD70693u, 0x54DE5729u, 0x23D967BFu,
        0xB3667A2Eu, 0xC4614AB8u, 0x5D681B02u, 0x2A6F2B94u, 0xB40BBE37u, 0xC30C8EA1u, 0x5A05DF1Bu, 0x2D02EF8Du};
    const unsigned char *p = (const unsigned char *)data;
    size_t k;
    crc = ~crc;
    for (k = 0; k < n; k++) crc = (crc >> 8) ^ table[(crc ^ p[k]) & 0xFFu];
    return ~crc;
}

#ifndef NNET_NO_STDIO
#ifdef NNET__POSIX_FILES
// What a file is, from its stat mode, for the messages that refuse anything
// but a regular file.
static const char *nnet__file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
#ifdef S_ISSOCK
    if (S_ISSOCK(mode)) return "a socket";
#endif
    return "not a regular file";
}
#endif

// Open a file to read, and its length in *size. Anything but a regular file
// is refused before a byte is read: a directory, a device (/dev/zero never
// ends), a FIFO or a socket (a read would wait for a writer, maybe forever).
// On POSIX the file is opened without blocking (opening a FIFO otherwise
// waits for a writer) and the open descriptor itself is checked with fstat,
// so the file checked is the file read. NULL on failure, the message set.
static FILE *nnet__open_to_read(const char *path, const char *who, size_t *size) {
    FILE *f = NULL;
#ifdef NNET__POSIX_FILES
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    *size = 0;
    if (fd < 0 || fstat(fd, &st) != 0) nnet__fail(NNET_ERR_IO, "%s: could not open '%s': %s", who, path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        nnet__fail(NNET_ERR_IO, "%s: '%s' is %s, expected a regular file", who, path, nnet__file_kind(st.st_mode));
    else if ((unsigned long long)st.st_size > (unsigned long long)(size_t)-1)
        nnet__fail(NNET_ERR_IO, "%s: '%s' is %lld bytes, more than this process can address", who, path, (long long)st.st_size);
    else if (!(f = fdopen(fd, "rb")))
        nnet__fail(NNET_ERR_IO, "%s: could not open '%s': %s", who, path, strerror(errno));
    else
        *size = (size_t)st.st_size;
    if (!f && fd >= 0) close(fd);
#else
    long length;
    *size = 0;
    if (!(f = fopen(path, "rb"))) {
        nnet__fail(NNET_ERR_IO, "%s: could not open '%s': %s", who, path, strerror(errno));
    } else if (fseek(f, 0, SEEK_END) != 0 || (length = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        nnet__fail(NNET_ERR_IO, "%s: cannot find the size of '%s' (not a regular file?)", who, path);
        fclose(f);
        f = NULL;
    } else {
        *size = (size_t)length;
    }
#endif
    return f;
}

// Whether anything (a file of any kind) is at path; the loaders then say
// what is wrong with it, if anything.
static int nnet__path_exists(const char *path) {
#ifdef NNET__POSIX_FILES
    struct stat st;
    return stat(path, &st) == 0;
#else
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
#endif
}

// Read a whole regular file into memory (at least 1 byte allocated).
static int nnet__read_file(const char *path, const char *who, size_t limit, unsigned char **bytes, size_t *size) {
    FILE *f;
    size_t length;
    *bytes = NULL; *size = 0;
    if (!path) return nnet__fail(NNET_ERR_ARGUMENT, "%s: path is NULL", who);
    if (!(f = nnet__open_to_read(path, who, &length))) return NNET_ERR_IO;
    if (length > limit) {
        fclose(f);
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is %zu bytes, more than the %zu accepted", who, path, length, limit);
    }
    *bytes = (unsigned char *)nnet__alloc(length + 1, who);
    if (!*bytes) { fclose(f); return NNET_ERR_MEMORY; }
    if (fread(*bytes, 1, length, f) != length) {
        int error = errno;
        fclose(f);
        nnet__free(*bytes);
        *bytes = NULL;
        return nnet__fail(NNET_ERR_IO, "%s: could not read the %zu bytes of '%s': %s", who, length, path, strerror(error));
    }
    fclose(f);
    *size = length;
    return NNET_OK;
}
#endif

// ---- 10. Datasets ----------------------------------------------------------
// One allocation: the struct (it fits in a line: nnet__dataset_header_fits),
// the inputs from the next cache line on, then the labels or the targets.
// Byte inputs have 16 spare bytes after them, for an IDX file's header when
// an image file is read straight into them (nnet__images_in_place).
static nnet_dataset *nnet__dataset_create(int n_samples, int n_features, int n_targets, int n_classes, int bytes,
                                          const char *who) {
    nnet_dataset *data;
    size_t inputs, outputs;
    char *block;
    int columns = n_targets ? n_targets : n_classes;
    if (n_samples < 1 || n_features < 1 || n_samples > NNET_MAX_DIM || n_features > NNET_MAX_DIM || columns < 1 || columns > NNET_MAX_DIM) {
        nnet__fail(NNET_ERR_ARGUMENT, "%s: %d samples, %d features, %d %s; expected each in 1..%d",
                   who, n_samples, n_features, columns, n_targets ? "targets" : "classes", NNET_MAX_DIM);
        return NULL;
    }
    inputs = nnet__bytes((size_t)n_samples, (size_t)n_features, bytes ? 1 : sizeof(float));
    if (bytes && inputs) inputs = inputs > SIZE_MAX - 2 * NNET__ALIGN ? 0 : (inputs + 16 + NNET__ALIGN - 1) / NNET__ALIGN * NNET__ALIGN;
    outputs = n_targets ? nnet__bytes((size_t)n_samples, (size_t)n_targets, sizeof(float)) : (size_t)n_samples * sizeof(int);
    if (!inputs || !outputs || inputs > SIZE_MAX - NNET__ALIGN - outputs) {
        nnet__fail(NNET_ERR_MEMORY, "%s: %d x %d %s do not fit in memory", who, n_samples, n_features, bytes ? "bytes" : "floats");
        return NULL;
    }
    data = (nnet_dataset *)nnet__alloc(NNET__ALIGN + inputs + outputs, who);
    if (!data) return NULL;
    memset(data, 0, NNET__ALIGN + inputs + outputs);
    block = (char *)data + NNET__ALIGN;
    data->inputs = nnet_mat_view(n_samples, n_features, bytes ? NULL : (float *)(void *)block);
    if (bytes) { data->bytes = (unsigned char *)block; data->byte_scale = 1.0f / 255.0f; }
    if (n_targets) {
        data->targets = nnet_mat_view(n_samples, n_targets, (float *)(void *)(block + inputs));
    } else {
        data->labels = (int *)(void *)(block + inputs);
        data->n_classes = n_classes;
    }
    return data;
}

NNETDEF nnet_dataset *nnet_dataset_create(int n_samples, int n_features, int n_classes) {
    return nnet__dataset_create(n_samples, n_features, 0, n_classes, 0, "nnet_dataset_create");
}

NNETDEF nnet_dataset *nnet_dataset_create_targets(int n_samples, int n_features, int n_targets) {
    return nnet__dataset_create(n_samples, n_features, n_targets, 0, 0, "nnet_dataset_create_targets");
}

typedef char nnet__dataset_header_fits[sizeof(nnet_dataset) <= NNET__ALIGN ? 1 : -1];

NNETDEF void nnet_dataset_free(nnet_dataset *data) { nnet__free(data); }

static int nnet__check_dataset(const nnet_dataset *data, const char *who) {
    if (!nnet__has_inputs(data) || !data->labels == !data->targets.data ||
        (data->targets.data && data->targets.rows != data->inputs.rows))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: the dataset is NULL or empty, or has not exactly one of float and byte inputs, "
                          "or not exactly one of labels and targets (one row each)", who);
    return NNET_OK;
}

// Where sample `row`'s inputs start, and how many bytes they take.
static char *nnet__sample(const nnet_dataset *data, int row) {
    size_t at = (size_t)row * (size_t)data->inputs.cols;
    return data->bytes ? (char *)(data->bytes + at) : (char *)(data->inputs.data + at);
}
static size_t nnet__sample_size(const nnet_dataset *data) {
    return (size_t)data->inputs.cols * (data->bytes ? 1 : sizeof(float));
}

// Swap two blocks of n bytes.
static void nnet__swap_bytes(char *a, char *b, size_t n) {
    size_t k;
    for (k = 0; k < n; k++) { char t = a[k]; a[k] = b[k]; b[k] = t; }
}

NNETDEF int nnet_dataset_shuffle(nnet_dataset *data, nnet_rng *rng) {
    int i;
    if (nnet__check_dataset(data, "nnet_dataset_shuffle")) return NNET_ERR_ARGUMENT;
    if (!rng) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_shuffle: rng is NULL");
    // Fisher-Yates: position i takes a uniform pick among positions 0..i.
    for (i = data->inputs.rows - 1; i > 0; i--) {
        int j = (int)nnet_rng_below(rng, (uint32_t)i + 1u), label;
        if (j == i) continue;
        nnet__swap_bytes(nnet__sample(data, i), nnet__sample(data, j), nnet__sample_size(data));
        if (data->labels) { label = data->labels[i]; data->labels[i] = data->labels[j]; data->labels[j] = label; }
        else nnet__swap_bytes((char *)&NNET_AT(data->targets, i, 0), (char *)&NNET_AT(data->targets, j, 0),
                              (size_t)data->targets.cols * sizeof(float));
    }
    return NNET_OK;
}

// An empty dataset like `data` for `count` samples: the same kind of inputs
// (bytes with their scale, unless floats is set), labels or targets.
static nnet_dataset *nnet__dataset_like(const nnet_dataset *data, int count, int floats, const char *who) {
    nnet_dataset *like = nnet__dataset_create(count, data->inputs.cols, data->targets.cols, data->n_classes,
                                              data->bytes && !floats, who);
    if (like && like->bytes) like->byte_scale = data->byte_scale;
    return like;
}

// Copy sample `from` of data (inputs, label or targets) to sample `to` of
// copy, a dataset from nnet__dataset_like; bytes become floats if copy's are.
static void nnet__copy_sample(nnet_dataset *copy, int to, const nnet_dataset *data, int from) {
    if (!copy->bytes == !data->bytes) memcpy(nnet__sample(copy, to), nnet__sample(data, from), nnet__sample_size(data));
    else nnet__gather_rows(nnet_mat_view(1, copy->inputs.cols, &NNET_AT(copy->inputs, to, 0)), nnet_mat_view(0, 0, NULL),
                           data, NULL, from, 0, 1);
    if (data->labels) copy->labels[to] = data->labels[from];
    else memcpy(&NNET_AT(copy->targets, to, 0), &NNET_AT(data->targets, from, 0), (size_t)data->targets.cols * sizeof(float));
}

NNETDEF nnet_dataset *nnet_dataset_subset(const nnet_dataset *data, int start, int count) {
    nnet_dataset *part;
    int i;
    if (nnet__check_dataset(data, "nnet_dataset_subset")) return NULL;
    if (start < 0 || count < 1 || start > data->inputs.rows - count) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_subset: samples [%d, %d + %d) are not inside the %d samples",
                   start, start, count, data->inputs.rows);
        return NULL;
    }
    if (!(part = nnet__dataset_like(data, count, 0, "nnet_dataset_subset"))) return NULL;
    for (i = 0; i < count; i++) nnet__copy_sample(part, i, data, start + i);
    return part;
}

NNETDEF nnet_dataset *nnet_dataset_as_floats(const nnet_dataset *data) {
    nnet_dataset *copy;
    int i;
    if (nnet__check_dataset(data, "nnet_dataset_as_floats")) return NULL;
    if (!(copy = nnet__dataset_like(data, data->inputs.rows, 1, "nnet_dataset_as_floats"))) return NULL;
    for (i = 0; i < data->inputs.rows; i++) nnet__copy_sample(copy, i, data, i);
    return copy;
}

NNETDEF int nnet_dataset_split(const nnet_dataset *data, float fraction, nnet_dataset **first, nnet_dataset **second) {
    int N, n_first;
    if (first) *first = NULL;
    if (second) *second = NULL;
    if (!first || !second) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_split: NULL output pointer");
    if (nnet__check_dataset(data, "nnet_dataset_split")) return NNET_ERR_ARGUMENT;
    N = data->inputs.rows;
    n_first = fraction >= 0.0f && fraction <= 1.0f ? (int)floor((double)fraction * N + 0.5) : -1;
    if (n_first < 1 || n_first >= N)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_split: fraction %g of %d samples gives parts of %d and %d; both must be non-empty",
                          (double)fraction, N, n_first, N - n_first);
    *first = nnet_dataset_subset(data, 0, n_first);
    *second = *first ? nnet_dataset_subset(data, n_first, N - n_first) : NULL;
    if (!*second) {
        nnet_dataset_free(*first);
        *first = NULL;
        return NNET_ERR_MEMORY;
    }
    return NNET_OK;
}

NNETDEF nnet_dataset *nnet_dataset_keep_classes(const nnet_dataset *data, const int *classes, int n_classes) {
    nnet_dataset *kept;
    int i, j, c, n = 0;
    if (nnet__check_dataset(data, "nnet_dataset_keep_classes")) return NULL;
    if (!data->labels) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_keep_classes: the dataset has targets, not class labels");
        return NULL;
    }
    if (!classes || n_classes < 2 || n_classes > data->n_classes) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_keep_classes: %d classes to keep, expected 2..%d and a non-NULL list",
                   n_classes, data->n_classes);
        return NULL;
    }
    for (c = 0; c < n_classes; c++) {
        if (classes[c] < 0 || classes[c] >= data->n_classes) {
            nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_keep_classes: classes[%d] is %d, expected 0..%d",
                       c, classes[c], data->n_classes - 1);
            return NULL;
        }
        for (j = 0; j < c; j++)
            if (classes[j] == classes[c]) {
                nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_keep_classes: class %d is listed twice", classes[c]);
                return NULL;
            }
    }
    // A class-to-new-label lookup would need an allocation of data->n_classes
    // ints; the list is short, so search it instead.
    for (i = 0; i < data->inputs.rows; i++)
        for (c = 0; c < n_classes; c++) n += data->labels[i] == classes[c];
    if (n == 0) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_keep_classes: none of the %d samples has one of the %d classes",
                   data->inputs.rows, n_classes);
        return NULL;
    }
    if (!(kept = nnet__dataset_like(data, n, 0, "nnet_dataset_keep_classes"))) return NULL;
    kept->n_classes = n_classes;
    for (i = 0, n = 0; i < data->inputs.rows; i++)
        for (c = 0; c < n_classes; c++)
            if (data->labels[i] == classes[c]) {
                nnet__copy_sample(kept, n, data, i);
                kept->labels[n++] = c;
                break;
            }
    return kept;
}

NNETDEF nnet_mat nnet_dataset_one_hot(const nnet_dataset *data) {
    nnet_mat T = nnet_mat_view(0, 0, NULL);
    if (nnet__check_dataset(data, "nnet_dataset_one_hot")) return T;
    if (!data->labels || data->n_classes < 2) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_one_hot: the dataset has %d classes%s, expected labels of >= 2 classes", data->n_classes, data->labels ? "" : " (targets, no labels)");
        return T;
    }
    T = nnet_mat_create(data->inputs.rows, data->n_classes);
    if (T.data && nnet_labels_to_targets(T, data->labels, data->n_classes) != NNET_OK) nnet_mat_free(&T);
    return T;
}

static int nnet__check_matrix(nnet_mat X, const char *who) {
    if (!X.data || X.rows < 1 || X.cols < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: X is %dx%d with %s data, expected a non-empty matrix",
                          who, X.rows, X.cols, X.data ? "non-NULL" : "NULL");
    return NNET_OK;
}

NNETDEF int nnet_normalize_divide(nnet_mat X, float divisor) {
    if (nnet__check_matrix(X, "nnet_normalize_divide")) return NNET_ERR_ARGUMENT;
    if (divisor == 0.0f) divisor = 255.0f;
    if (!nnet__is_finite(divisor))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_normalize_divide: divisor %g, expected a finite non-zero number", (double)divisor);
    nnet_scale(X.data, 1.0f / divisor, nnet__count(X));
    return NNET_OK;
}

NNETDEF int nnet_normalize_row_max(nnet_mat X) {
    int i, j;
    if (nnet__check_matrix(X, "nnet_normalize_row_max")) return NNET_ERR_ARGUMENT;
    for (i = 0; i < X.rows; i++) {
        float *x = &NNET_AT(X, i, 0), m = x[0];
        for (j = 1; j < X.cols; j++) if (x[j] > m) m = x[j];
        if (m > 0.0f) for (j = 0; j < X.cols; j++) x[j] /= m;
    }
    return NNET_OK;
}

// Two passes in double, mean first and then the mean squared deviation, so
// the variance never comes from the cancelling difference E[x^2] - E[x]^2.
NNETDEF int nnet_standardize_fit(nnet_mat X, float *mean, float *stddev) {
    int i, j;
    if (nnet__check_matrix(X, "nnet_standardize_fit")) return NNET_ERR_ARGUMENT;
    if (!mean || !stddev) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_standardize_fit: NULL mean or stddev");
    for (j = 0; j < X.cols; j++) {
        double sum = 0.0, squares = 0.0, m;
        for (i = 0; i < X.rows; i++) sum += NNET_AT(X, i, j);
        m = sum / X.rows;
        for (i = 0; i < X.rows; i++) { double d = NNET_AT(X, i, j) - m; squares += d * d; }
        mean[j] = (float)m;
        stddev[j] = (float)sqrt(squares / X.rows);
    }
    return NNET_OK;
}

NNETDEF int nnet_standardize_apply(nnet_mat X, const float *mean, const float *stddev) {
    int i, j;
    if (nnet__check_matrix(X, "nnet_standardize_apply")) return NNET_ERR_ARGUMENT;
    if (!mean || !stddev) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_standardize_apply: NULL mean or stddev");
    for (j = 0; j < X.cols; j++)
        if (!nnet__is_finite(mean[j]) || !(stddev[j] >= 0.0f) || !nnet__is_finite(stddev[j]))
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_standardize_apply: feature %d has mean %g and stddev %g, expected finite values and stddev >= 0",
                              j, (double)mean[j], (double)stddev[j]);
    for (i = 0; i < X.rows; i++) {
        float *x = &NNET_AT(X, i, 0);
        for (j = 0; j < X.cols; j++) x[j] = (x[j] - mean[j]) / (stddev[j] > 0.0f ? stddev[j] : 1.0f);
    }
    return NNET_OK;
}

// out(y, x) = in(y - dy, x - dx), 0 where that falls outside the image. In
// linear index terms the source of pixel p is p - (dy * width + dx), so one
// sweep in the right direction (downwards when the offset is positive) reads
// every source before it is overwritten, like memmove.
static void nnet__shift_image(float *image, int width, int height, int dx, int dy) {
    int offset = dy * width + dx, p, step = offset > 0 ? -1 : 1, n = width * height;
    for (p = offset > 0 ? n - 1 : 0; p >= 0 && p < n; p += step) {
        int y = p / width - dy, x = p % width - dx;
        image[p] = x >= 0 && x < width && y >= 0 && y < height ? image[y * width + x] : 0.0f;
    }
}

NNETDEF int nnet_augment_shift(nnet_mat X, int width, int height, int max_shift, nnet_rng *rng) {
    int i;
    if (nnet__check_matrix(X, "nnet_augment_shift")) return NNET_ERR_ARGUMENT;
    if (!rng || width < 1 || height < 1 || width > X.cols / height || width * height != X.cols ||
        max_shift < 0 || max_shift >= width || max_shift >= height)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_augment_shift: %dx%d images, max_shift %d, rows of %d values, rng %s; expected width * height = columns, max_shift in 0..min(width, height) - 1 and an rng",
                          width, height, max_shift, X.cols, rng ? "set" : "NULL");
    if (max_shift == 0) return NNET_OK;
    for (i = 0; i < X.rows; i++) {
        int dx = (int)nnet_rng_below(rng, 2u * (uint32_t)max_shift + 1u) - max_shift;
        int dy = (int)nnet_rng_below(rng, 2u * (uint32_t)max_shift + 1u) - max_shift;
        nnet__shift_image(&NNET_AT(X, i, 0), width, height, dx, dy);
    }
    return NNET_OK;
}

// ---- 11. Inference and metrics ---------------------------------------------
#define NNET__PREDICT_CHUNK 256   // rows per inference pass of the allocating functions

NNETDEF size_t nnet_predict_scratch_floats(const nnet *net, int rows) {
    size_t buffer;
    if (!net || rows < 1 || rows > NNET_MAX_DIM) return 0;
    // two (rows, widest layer) buffers and the logits (rows, O); 0 on overflow
    buffer = nnet__bytes((size_t)rows, (size_t)nnet__widest(net), 1);
    if (!buffer || buffer > (SIZE_MAX / sizeof(float) - (size_t)rows * (size_t)nnet_output_size(net)) / 2) return 0;
    return 2 * buffer + (size_t)rows * (size_t)nnet_output_size(net);
}

static int nnet__check_predict(const nnet *net, nnet_mat X, const void *out, const char *who) {
    if (!net || !X.data || !out) return nnet__fail(NNET_ERR_ARGUMENT, "%s: NULL %s", who, !net ? "net" : !X.data ? "X.data" : "output");
    if (X.cols != net->n_inputs || X.rows < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: X is %dx%d, expected N x %d with N >= 1", who, X.rows, X.cols, net->n_inputs);
    return NNET_OK;
}

// Rows [start, start + B) of P (unless P.data is NULL) and of classes
// (unless NULL): the network's outputs Y (B, O) for those samples.
static void nnet__store_predictions(nnet_mat Y, nnet_mat P, int *classes, int start) {
    int i;
    if (P.data) memcpy(&NNET_AT(P, start, 0), Y.data, nnet__count(Y) * sizeof(float));
    if (classes && Y.cols == 1) for (i = 0; i < Y.rows; i++) classes[start + i] = Y.data[i] >= 0.5f;
    else if (classes) nnet_argmax_rows(classes + start, Y);
}

// P and/or classes for X in chunks of `rows`.
static int nnet__predict(const nnet *net, nnet_mat X, nnet_mat P, int *classes, int rows, float *scratch) {
    int start;
    for (start = 0; start < X.rows; start += rows) {
        nnet_mat Z, Y;
        nnet__infer(net, nnet_mat_view(nnet__min(rows, X.rows - start), X.cols, &NNET_AT(X, start, 0)), scratch, &Z, &Y);
        nnet__store_predictions(Y, P, classes, start);
    }
    return NNET_OK;
}

// Scratch for chunks of min(N, 256) rows, allocated per call.
static float *nnet__predict_scratch(const nnet *net, int N, int *rows, const char *who) {
    size_t floats;
    *rows = nnet__min(N, NNET__PREDICT_CHUNK);
    floats = nnet_predict_scratch_floats(net, *rows);
    return floats ? (float *)nnet__alloc(floats * sizeof(float), who) : NULL;
}

NNETDEF int nnet_predict_with(const nnet *net, nnet_mat X, nnet_mat P, int rows, float *scratch, size_t scratch_floats) {
    int status = nnet__check_predict(net, X, P.data, "nnet_predict_with");
    size_t need;
    if (status) return status;
    if (P.rows != X.rows || P.cols != nnet_output_size(net))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_with: P is %dx%d, expected %dx%d", P.rows, P.cols, X.rows, nnet_output_size(net));
    need = nnet_predict_scratch_floats(net, rows);
    if (!scratch || !need || scratch_floats < need)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_with: scratch of %zu floats%s for chunks of %d rows, expected %zu (nnet_predict_scratch_floats)",
                          scratch_floats, scratch ? "" : " (NULL)", rows, need);
    return nnet__predict(net, X, P, NULL, rows, scratch);
}

NNETDEF int nnet_predict(const nnet *net, nnet_mat X, nnet_mat P) {
    int status = nnet__check_predict(net, X, P.data, "nnet_predict"), rows;
    float *scratch;
    if (status) return status;
    if (P.rows != X.rows || P.cols != nnet_output_size(net))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict: X is %dx%d and P %dx%d, expected N x %d and N x %d",
                          X.rows, X.cols, P.rows, P.cols, net->n_inputs, nnet_output_size(net));
    if (!(scratch = nnet__predict_scratch(net, X.rows, &rows, "nnet_predict"))) return NNET_ERR_MEMORY;
    status = nnet__predict(net, X, P, NULL, rows, scratch);
    nnet__free(scratch);
    return status;
}

NNETDEF int nnet_predict_classes(const nnet *net, nnet_mat X, int *classes) {
    int status = nnet__check_predict(net, X, classes, "nnet_predict_classes"), rows;
    float *scratch;
    if (status) return status;
    if (!(scratch = nnet__predict_scratch(net, X.rows, &rows, "nnet_predict_classes"))) return NNET_ERR_MEMORY;
    status = nnet__predict(net, X, nnet_mat_view(0, 0, NULL), classes, rows, scratch);
    nnet__free(scratch);
    return status;
}

NNETDEF int nnet_predict_dataset(const nnet *net, const nnet_dataset *data, const nnet_mat *P, int *classes) {
    int status, rows, start;
    size_t lines_x, floats;
    float *block;
    nnet_mat outputs = P ? *P : nnet_mat_view(0, 0, NULL);
    if (!net || (!outputs.data && !classes))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_dataset: NULL %s", !net ? "net" : "P (or P->data) and classes; expected one or both");
    if ((status = nnet__check_inputs_for(net, data, "nnet_predict_dataset", "the")) != NNET_OK) return status;
    if (outputs.data && (outputs.rows != data->inputs.rows || outputs.cols != nnet_output_size(net)))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_dataset: P is %dx%d, expected %dx%d (a row of outputs per sample)",
                          outputs.rows, outputs.cols, data->inputs.rows, nnet_output_size(net));
    // One block: a chunk of inputs, then the inference scratch.
    rows = nnet__min(data->inputs.rows, NNET__PREDICT_CHUNK);
    lines_x = nnet__whole_lines((size_t)rows * (size_t)net->n_inputs);
    floats = nnet_predict_scratch_floats(net, rows);
    if (!floats || !(block = (float *)nnet__alloc((lines_x + floats) * sizeof(float), "nnet_predict_dataset")))
        return NNET_ERR_MEMORY;
    for (start = 0; start < data->inputs.rows; start += rows) {
        nnet_mat X = nnet_mat_view(nnet__min(rows, data->inputs.rows - start), net->n_inputs, block), Z, Y;
        nnet__gather_rows(X, nnet_mat_view(0, 0, NULL), data, NULL, start, 0, X.rows);
        nnet__infer(net, X, block + lines_x, &Z, &Y);
        nnet__store_predictions(Y, outputs, classes, start);
    }
    nnet__free(block);
    return NNET_OK;
}

NNETDEF int nnet_evaluate(const nnet *net, const nnet_dataset *data, double *loss, double *accuracy) {
    int status, rows;
    size_t lines_x, lines_t, floats;
    float *block;
    if (!net || !loss || !accuracy) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_evaluate: NULL %s", !net ? "net" : !loss ? "loss" : "accuracy");
    if ((status = nnet__check_dataset_for(net, data, "nnet_evaluate", "the")) != NNET_OK) return status;
    // One block: a chunk of inputs and targets, and the inference scratch.
    rows = nnet__min(data->inputs.rows, NNET__PREDICT_CHUNK);
    lines_x = nnet__whole_lines((size_t)rows * (size_t)net->n_inputs);
    lines_t = nnet__whole_lines((size_t)rows * (size_t)nnet_output_size(net));
    floats = nnet_predict_scratch_floats(net, rows);
    if (!floats || !(block = (float *)nnet__alloc((lines_x + lines_t + floats) * sizeof(float), "nnet_evaluate")))
        return NNET_ERR_MEMORY;
    nnet__evaluate(net, data, nnet_mat_view(rows, net->n_inputs, block), nnet_mat_view(rows, nnet_output_size(net), block + lines_x),
                   block + lines_x + lines_t, loss, accuracy);
    nnet__free(block);
    return NNET_OK;
}

// Preprocessing that travels with the model. Each pair of statistics and
// each list of names is one block of its own: the pointer the net keeps is
// the block, which nnet_free frees.
static int nnet__valid_utf8(const unsigned char *p, size_t n, size_t *bad);   // section 15

static int nnet__check_statistics(const float *mean, const float *stddev, int n, const char *which, const char *who) {
    int j;
    if (!mean != !stddev) return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s mean and stddev must be given together", who, which);
    for (j = 0; mean && j < n; j++)
        if (!nnet__is_finite(mean[j]) || !nnet__is_finite(stddev[j]) || !(stddev[j] >= 0.0f))
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s %d has mean %g and stddev %g, expected finite numbers and stddev >= 0",
                              who, which, j, (double)mean[j], (double)stddev[j]);
    return NNET_OK;
}

// A copy of mean (n) and stddev (n) in one block, the mean first; NULL with
// *status NNET_OK when mean is NULL.
static float *nnet__copy_statistics(const float *mean, const float *stddev, int n, int *status, const char *who) {
    float *block;
    *status = NNET_OK;
    if (!mean) return NULL;
    if (!(block = (float *)nnet__alloc(2 * (size_t)n * sizeof(float), who))) { *status = NNET_ERR_MEMORY; return NULL; }
    memcpy(block, mean, (size_t)n * sizeof(float));
    memcpy(block + n, stddev, (size_t)n * sizeof(float));
    return block;
}

NNETDEF int nnet_set_standardization(nnet *net, const float *input_mean, const float *input_stddev,
                                     const float *target_mean, const float *target_stddev) {
    const char *who = "nnet_set_standardization";
    float *inputs, *targets;
    int status, O;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "%s: net is NULL", who);
    if (net->internal.borrowed) return nnet__fail(NNET_ERR_ARGUMENT, "%s: a network built by nnet_init_static cannot carry statistics", who);
    O = nnet_output_size(net);
    if ((status = nnet__check_statistics(input_mean, input_stddev, net->n_inputs, "input", who)) ||
        (status = nnet__check_statistics(target_mean, target_stddev, O, "target", who)))
        return status;
    inputs = nnet__copy_statistics(input_mean, input_stddev, net->n_inputs, &status, who);
    if (status) return status;
    targets = nnet__copy_statistics(target_mean, target_stddev, O, &status, who);
    if (status) { nnet__free(inputs); return status; }
    nnet__free(net->input_mean);
    nnet__free(net->target_mean);
    net->input_mean = inputs;
    net->input_stddev = inputs ? inputs + net->n_inputs : NULL;
    net->target_mean = targets;
    net->target_stddev = targets ? targets + O : NULL;
    return NNET_OK;
}

// A copy of n strings: the pointers, then the text, in one block. NULL with
// *status NNET_OK when names is NULL.
static char **nnet__copy_names(const char *const *names, int n, const char *which, int *status, const char *who) {
    size_t text = 0, k, length, bad;
    char **block, *at;
    int i;
    *status = NNET_OK;
    if (!names) return NULL;
    for (i = 0; i < n; i++) {
        if (!names[i]) { *status = nnet__fail(NNET_ERR_ARGUMENT, "%s: %s[%d] is NULL", who, which, i); return NULL; }
        length = strlen(names[i]);
        if (!nnet__valid_utf8((const unsigned char *)names[i], length, &bad)) {
            *status = nnet__fail(NNET_ERR_ARGUMENT, "%s: %s[%d] is not valid UTF-8 (at byte %zu)", who, which, i, bad);
            return NULL;
        }
        text += length + 1;
    }
    if (!(block = (char **)nnet__alloc((size_t)n * sizeof(char *) + text, who))) { *status = NNET_ERR_MEMORY; return NULL; }
    at = (char *)(block + n);
    for (i = 0; i < n; i++) {
        k = strlen(names[i]) + 1;
        memcpy(at, names[i], k);
        block[i] = at;
        at += k;
    }
    return block;
}

NNETDEF int nnet_set_names(nnet *net, const char *const *input_names, const char *const *target_names, int n_targets,
                           const char *const *class_names, int n_classes) {
    const char *who = "nnet_set_names";
    char **inputs, **targets, **classes;
    int status, O;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "%s: net is NULL", who);
    if (net->internal.borrowed) return nnet__fail(NNET_ERR_ARGUMENT, "%s: a network built by nnet_init_static cannot carry names", who);
    O = nnet_output_size(net);
    if (target_names && (n_targets < 1 || n_targets > NNET_MAX_DIM))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %d target names, expected 1..%d", who, n_targets, NNET_MAX_DIM);
    if (class_names && n_classes != (O == 1 ? 2 : O))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %d class names for %d output%s, expected %d", who, n_classes, O,
                          O == 1 ? " (a sigmoid: two classes)" : "s", O == 1 ? 2 : O);
    inputs = nnet__copy_names(input_names, net->n_inputs, "input_names", &status, who);
    targets = status ? NULL : nnet__copy_names(target_names, n_targets, "target_names", &status, who);
    classes = status ? NULL : nnet__copy_names(class_names, n_classes, "class_names", &status, who);
    if (status) { nnet__free(inputs); nnet__free(targets); return status; }
    nnet__free(net->input_names);
    nnet__free(net->target_names);
    nnet__free(net->class_names);
    net->input_names = inputs;
    net->target_names = targets;
    net->n_target_names = targets ? n_targets : 0;
    net->class_names = classes;
    net->n_class_names = classes ? n_classes : 0;
    return NNET_OK;
}

NNETDEF int nnet_predict_raw(const nnet *net, nnet_mat X, nnet_mat P) {
    int status = nnet__check_predict(net, X, P.data, "nnet_predict_raw"), rows, start, i, j, I, O;
    float *scratch, *copy;
    if (status) return status;
    I = net->n_inputs; O = nnet_output_size(net);
    if (P.rows != X.rows || P.cols != O)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_raw: X is %dx%d and P %dx%d, expected N x %d and N x %d",
                          X.rows, X.cols, P.rows, P.cols, I, O);
    rows = nnet__min(X.rows, NNET__PREDICT_CHUNK);
    if (!(scratch = (float *)nnet__alloc((nnet_predict_scratch_floats(net, rows) + (size_t)rows * (size_t)I) * sizeof(float),
                                         "nnet_predict_raw")))
        return NNET_ERR_MEMORY;
    copy = scratch + nnet_predict_scratch_floats(net, rows);
    for (start = 0; start < X.rows; start += rows) {   // copy a chunk, standardise it, run it
        int B = nnet__min(rows, X.rows - start);
        nnet_mat chunk = nnet_mat_view(B, I, copy);
        memcpy(copy, &NNET_AT(X, start, 0), (size_t)B * (size_t)I * sizeof(float));
        if (net->input_mean) nnet_standardize_apply(chunk, net->input_mean, net->input_stddev);
        nnet__predict(net, chunk, nnet_mat_view(B, O, &NNET_AT(P, start, 0)), NULL, B, scratch);
    }
    for (i = 0; net->target_mean && i < P.rows; i++)   // back to the targets' units
        for (j = 0; j < O; j++)
            NNET_AT(P, i, j) = NNET_AT(P, i, j) * (net->target_stddev[j] > 0.0f ? net->target_stddev[j] : 1.0f) + net->target_mean[j];
    nnet__free(scratch);
    return NNET_OK;
}

// Each figure per output column, then their mean over the O columns.
NNETDEF int nnet_regression_metrics_compute(nnet_mat Y, nnet_mat T, nnet_regression_metrics *m) {
    int i, j;
    if (!m || !Y.data || !T.data || Y.rows < 1 || Y.cols < 1 || Y.rows != T.rows || Y.cols != T.cols)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_regression_metrics_compute: Y is %dx%d and T %dx%d, expected the same non-empty shape and non-NULL data and metrics",
                          Y.rows, Y.cols, T.rows, T.cols);
    m->mse = m->mae = m->r2 = 0.0;
    for (j = 0; j < Y.cols; j++) {
        double mean = 0.0, squares = 0.0, absolute = 0.0, total = 0.0;
        for (i = 0; i < Y.rows; i++) mean += NNET_AT(T, i, j);
        mean /= Y.rows;
        for (i = 0; i < Y.rows; i++) {
            double e = (double)NNET_AT(Y, i, j) - NNET_AT(T, i, j), d = NNET_AT(T, i, j) - mean;
            squares += e * e;
            absolute += fabs(e);
            total += d * d;
        }
        m->mse += squares / Y.rows / Y.cols;
        m->mae += absolute / Y.rows / Y.cols;
        m->r2 += (total > 0.0 ? 1.0 - squares / total : NAN) / Y.cols;   // R^2 = 1 - SS_res / SS_tot
    }
    return NNET_OK;
}

NNETDEF double nnet_accuracy(const int *labels, const int *predicted, int n) {
    int i, correct = 0;
    if (!labels || !predicted || n < 1) return NAN;
    for (i = 0; i < n; i++) correct += labels[i] == predicted[i];
    return (double)correct / n;
}

// Sort indices by descending score (qsort has no context pointer, so the
// pairs are sorted as structs).
typedef struct nnet__scored { float score; int positive; } nnet__scored;

static int nnet__by_score_descending(const void *a, const void *b) {
    float x = ((const nnet__scored *)a)->score, y = ((const nnet__scored *)b)->score;
    return (x < y) - (x > y);
}

static nnet__scored *nnet__sorted_scores(const float *scores, const int *is_positive, int n, int stride,
                                        int *positives) {
    nnet__scored *s;
    int i;
    *positives = 0;
    if (!scores || !is_positive || n < 1) return NULL;
    s = (nnet__scored *)nnet__alloc((size_t)n * sizeof *s, "nnet metrics");
    if (!s) return NULL;
    for (i = 0; i < n; i++) {
        s[i].score = scores[(size_t)i * (size_t)stride];
        s[i].positive = is_positive[i] != 0;
        *positives += s[i].positive;
    }
    qsort(s, (size_t)n, sizeof *s, nnet__by_score_descending);
    return s;
}

// AUC = P(score of a random positive > score of a random negative), ties
// counted 1/2: walk down the scores, each negative adds the positives above it.
static double nnet__roc_auc(const nnet__scored *s, int n, int positives) {
    double area = 0.0, above = 0.0;
    int i = 0, j, negatives = n - positives;
    if (!s || positives == 0 || negatives == 0) return NAN;
    while (i < n) {
        int tied_pos = 0, tied_neg = 0;
        for (j = i; j < n && s[j].score == s[i].score; j++) { tied_pos += s[j].positive; tied_neg += !s[j].positive; }
        area += tied_neg * (above + 0.5 * tied_pos);
        above += tied_pos;
        i = j;
    }
    return area / ((double)positives * negatives);
}

// AP = sum over distinct thresholds of (recall_k - recall_{k-1}) precision_k.
static double nnet__average_precision(const nnet__scored *s, int n, int positives) {
    double ap = 0.0, previous_recall = 0.0;
    int i = 0, j, true_pos = 0;
    if (!s || positives == 0) return NAN;
    while (i < n) {
        double recall;
        for (j = i; j < n && s[j].score == s[i].score; j++) true_pos += s[j].positive;
        recall = (double)true_pos / positives;
        ap += (recall - previous_recall) * ((double)true_pos / j);
        previous_recall = recall;
        i = j;
    }
    return ap;
}

NNETDEF double nnet_roc_auc(const float *scores, const int *is_positive, int n) {
    int positives;
    nnet__scored *s = nnet__sorted_scores(scores, is_positive, n, 1, &positives);
    double auc = nnet__roc_auc(s, n, positives);
    nnet__free(s);
    return auc;
}

NNETDEF double nnet_average_precision(const float *scores, const int *is_positive, int n) {
    int positives;
    nnet__scored *s = nnet__sorted_scores(scores, is_positive, n, 1, &positives);
    double ap = nnet__average_precision(s, n, positives);
    nnet__free(s);
    return ap;
}

// Both curves walk down the sorted scores; all samples tied at one score
// cross the threshold together, so each distinct score gives one point.
static int nnet__curve(const char *who, int roc, const float *scores, const int *is_positive, int n,
                       double *x, double *y, int *n_points) {
    int positives, i = 0, j, true_pos = 0, false_pos = 0, k = 1;
    nnet__scored *s;
    if (!scores || !is_positive || !x || !y || !n_points || n < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: NULL argument or n = %d (expected >= 1)", who, n);
    *n_points = 0;
    if (!(s = nnet__sorted_scores(scores, is_positive, n, 1, &positives))) return NNET_ERR_MEMORY;
    if (positives == 0 || (roc && positives == n)) {
        nnet__free(s);
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %d positives among %d samples; the curve needs both classes%s",
                          who, positives, n, roc ? "" : " (at least one positive)");
    }
    x[0] = 0.0; y[0] = roc ? 0.0 : 1.0;
    while (i < n) {
        for (j = i; j < n && s[j].score == s[i].score; j++) { true_pos += s[j].positive; false_pos += !s[j].positive; }
        x[k] = roc ? (double)false_pos / (n - positives) : (double)true_pos / positives;
        y[k] = roc ? (double)true_pos / positives : (double)true_pos / j;
        k++;
        i = j;
    }
    *n_points = k;
    nnet__free(s);
    return NNET_OK;
}

NNETDEF int nnet_roc_curve(const float *scores, const int *is_positive, int n, double *fpr, double *tpr, int *n_points) {
    return nnet__curve("nnet_roc_curve", 1, scores, is_positive, n, fpr, tpr, n_points);
}

NNETDEF int nnet_pr_curve(const float *scores, const int *is_positive, int n, double *recall, double *precision, int *n_points) {
    return nnet__curve("nnet_pr_curve", 0, scores, is_positive, n, recall, precision, n_points);
}

static double nnet__ratio(double a, double b) { return b > 0.0 ? a / b : 0.0; }

NNETDEF nnet_report *nnet_report_create(const int *labels, const int *predicted,
                                        const nnet_mat *scores, int n, int n_classes) {
    nnet_report *r;
    size_t C, bytes;
    int i, c, *is_positive;
    float *binary = NULL;
    if (!labels || !predicted || n < 1 || n_classes < 2 || n_classes > 65536) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_report_create: %d samples and %d classes with labels %p, predicted %p; expected n >= 1, 2..65536 classes",
                   n, n_classes, (const void *)labels, (const void *)predicted);
        return NULL;
    }
    if (scores && (!scores->data || scores->rows != n || (scores->cols != n_classes && !(scores->cols == 1 && n_classes == 2)))) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_report_create: scores are %dx%d, expected %dx%d (or %dx1 for two classes)",
                   scores->rows, scores->cols, n, n_classes, n);
        return NULL;
    }
    for (i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= n_classes || predicted[i] < 0 || predicted[i] >= n_classes) {
            nnet__fail(NNET_ERR_ARGUMENT, "nnet_report_create: sample %d has label %d and prediction %d, expected 0..%d",
                       i, labels[i], predicted[i], n_classes - 1);
            return NULL;
        }
    C = (size_t)n_classes;
    bytes = sizeof(nnet_report) + C * 6 * sizeof(double) + C * C * sizeof(int) + C * sizeof(int);
    r = (nnet_report *)nnet__alloc(bytes, "nnet_report_create");
    if (!r) return NULL;
    memset(r, 0, bytes);
    r->n_classes = n_classes; r->n_samples = n;
    r->precision = (double *)(void *)(r + 1);
    r->recall = r->precision + C; r->f1 = r->recall + C;
    r->roc_auc = r->f1 + C; r->average_precision = r->roc_auc + C;
    r->confusion = (int *)(void *)(r->average_precision + 2 * C);
    r->support = r->confusion + C * C;
    for (i = 0; i < n; i++) r->confusion[(size_t)labels[i] * C + (size_t)predicted[i]]++;
    r->accuracy = nnet_accuracy(labels, predicted, n);
    for (c = 0; c < n_classes; c++) {
        int true_pos = r->confusion[(size_t)c * C + (size_t)c], predicted_c = 0, k;
        for (k = 0; k < n_classes; k++) { r->support[c] += r->confusion[(size_t)c * C + (size_t)k]; predicted_c += r->confusion[(size_t)k * C + (size_t)c]; }
        r->precision[c] = nnet__ratio(true_pos, predicted_c);
        r->recall[c] = nnet__ratio(true_pos, r->support[c]);
        r->f1[c] = nnet__ratio(2.0 * r->precision[c] * r->recall[c], r->precision[c] + r->recall[c]);
        r->macro_precision += r->precision[c] / n_classes;
        r->macro_recall += r->recall[c] / n_classes;
        r->macro_f1 += r->f1[c] / n_classes;
        r->weighted_precision += r->precision[c] * r->support[c] / n;
        r->weighted_recall += r->recall[c] * r->support[c] / n;
        r->weighted_f1 += r->f1[c] * r->support[c] / n;
        r->roc_auc[c] = r->average_precision[c] = NAN;
    }
    r->macro_roc_auc = r->macro_average_precision = NAN;
    if (!scores) return r;
    // One-vs-rest: class c's positives are the samples labelled c, scored by
    // column c (or by 1 - p for class 0 of a single sigmoid output).
    is_positive = (int *)nnet__alloc((size_t)n * sizeof(int), "nnet_report_create");
    if (scores->cols == 1) binary = (float *)nnet__alloc((size_t)n * sizeof(float), "nnet_report_create");
    if (!is_positive || (scores->cols == 1 && !binary)) { nnet__free(is_positive); nnet__free(binary); nnet_report_free(r); return NULL; }
    r->macro_roc_auc = r->macro_average_precision = 0.0;
    for (c = 0; c < n_classes; c++) {
        const float *column = scores->data + (scores->cols == 1 ? 0 : c);
        int positives, stride = scores->cols;
        nnet__scored *s;
        for (i = 0; i < n; i++) is_positive[i] = labels[i] == c;
        if (binary) {
            for (i = 0; i < n; i++) binary[i] = c == 1 ? scores->data[i] : 1.0f - scores->data[i];
            column = binary; stride = 1;
        }
        s = nnet__sorted_scores(column, is_positive, n, stride, &positives);
        if (!s) { nnet__free(is_positive); nnet__free(binary); nnet_report_free(r); return NULL; }
        r->roc_auc[c] = nnet__roc_auc(s, n, positives);
        r->average_precision[c] = nnet__average_precision(s, n, positives);
        r->macro_roc_auc += r->roc_auc[c] / n_classes;
        r->macro_average_precision += r->average_precision[c] / n_classes;
        nnet__free(s);
    }
    nnet__free(is_positive);
    nnet__free(binary);
    return r;
}

NNETDEF void nnet_report_free(nnet_report *report) { nnet__free(report); }

#ifndef NNET_NO_STDIO
NNETDEF void nnet_report_print(FILE *out, const nnet_report *r) {
    int c, scores = !isnan(r->macro_roc_auc);
    fprintf(out, "%12s %10s %9s %9s %9s", "", "precision", "recall", "f1-score", "support");
    if (scores) fprintf(out, " %9s %9s", "roc-auc", "avg-prec");
    fprintf(out, "\n\n");
    for (c = 0; c < r->n_classes; c++) {
        fprintf(out, "%12d %10.4f %9.4f %9.4f %9d", c, r->precision[c], r->recall[c], r->f1[c], r->support[c]);
        if (scores) fprintf(out, " %9.4f %9.4f", r->roc_auc[c], r->average_precision[c]);
        fprintf(out, "\n");
    }
    fprintf(out, "\n%12s %10s %9s %9.4f %9d\n", "accuracy", "", "", r->accuracy, r->n_samples);
    fprintf(out, "%12s %10.4f %9.4f %9.4f %9d", "macro avg", r->macro_precision, r->macro_recall, r->macro_f1, r->n_samples);
    if (scores) fprintf(out, " %9.4f %9.4f", r->macro_roc_auc, r->macro_average_precision);
    fprintf(out, "\n%12s %10.4f %9.4f %9.4f %9d\n", "weighted avg", r->weighted_precision, r->weighted_recall,
            r->weighted_f1, r->n_samples);
}

NNETDEF void nnet_confusion_print(FILE *out, const nnet_report *r) {
    int i, j, C = r->n_classes;
    fprintf(out, "true\\pred");
    for (j = 0; j < C; j++) fprintf(out, " %5d", j);
    fprintf(out, "\n");
    for (i = 0; i < C; i++) {
        fprintf(out, "%9d", i);
        for (j = 0; j < C; j++) fprintf(out, " %5d", r->confusion[(size_t)i * (size_t)C + (size_t)j]);
        fprintf(out, "\n");
    }
}
#endif

// ---- 12. IDX files ---------------------------------------------------------
// The inflated size of a .gz file is bounded before anything is allocated:
// the trailer's ISIZE must be possible for the compressed length (deflate
// expands at most 1032:1: a 258-byte match coded in 2 bits) and at most 1 GiB.
#define NNET__GZIP_MAX_SIZE (1u << 30)
#define NNET__DEFLATE_MAX_RATIO 1032u
// nnet_dataset_from_idx with n_classes = 0 accepts labels 0..65535.
#define NNET__IDX_MAX_CLASSES 65536

static uint32_t nnet__be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static size_t nnet__idx_element_size(int type) {
    switch (type) {
    case NNET_IDX_U8: case NNET_IDX_I8: return 1;
    case NNET_IDX_I16: return 2;
    case NNET_IDX_I32: case NNET_IDX_F32: return 4;
    case NNET_IDX_F64: return 8;
    default: return 0;
    }
}

static const char *nnet__idx_type_name(int type) {
    switch (type) {
    case NNET_IDX_U8: return "u8"; case NNET_IDX_I8: return "i8"; case NNET_IDX_I16: return "i16";
    case NNET_IDX_I32: return "i32"; case NNET_IDX_F32: return "f32"; case NNET_IDX_F64: return "f64";
    default: return "unknown";
    }
}

// The first bytes of a file, quoted as text when they are printable.
static void nnet__quote_start(char *out, size_t cap, const unsigned char *p, size_t n) {
    size_t k, used = 0;
    if (n > 16) n = 16;
    out[used++] = '"';
    for (k = 0; k < n && used + 5 < cap; k++) {
        if (p[k] >= 32 && p[k] < 127 && p[k] != '"' && p[k] != '\\') out[used++] = (char)p[k];
        else used += (size_t)sprintf(out + used, "\\x%02X", p[k]);
    }
    out[used++] = '"';
    out[used] = '\0';
}

// Say what the bytes look like when they cannot be IDX (the first two bytes
// of an IDX file are zero), so the user knows what went wrong with the file.
static int nnet__not_idx(const char *who, const char *name, const unsigned char *p, size_t size, int inflated) {
    char start[96];
    size_t k, printable = 0, n = size < 64 ? size : 64, skip = 0;
    nnet__quote_start(start, sizeof start, p, size);
    if (p[0] == 0x1f && p[1] == 0x8b) {
        if (inflated)
            return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' holds gzip data again after inflating; gunzip it by hand until it is raw IDX", who, name);
        return nnet__fail(NNET_ERR_UNSUPPORTED, "%s: '%s' is gzip-compressed (starts 1f 8b) and this program was built without stb_image: "
                          "#include <stb/stb_image.h> before the NNET_IMPLEMENTATION include and link with -lstb, or gunzip the file first",
                          who, name);
    }
    if (size >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) skip = 3;  // UTF-8 byte order mark
    while (skip < size && (p[skip] == ' ' || p[skip] == '\t' || p[skip] == '\r' || p[skip] == '\n')) skip++;
    if (skip < size && p[skip] == '<')
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' looks like an HTML or XML page (starts %s), not IDX data: "
                          "the download probably saved an error page; fetch the file again", who, name, start);
    for (k = 0; k < n; k++) printable += (p[k] >= 32 && p[k] < 127) || p[k] == '\n' || p[k] == '\r' || p[k] == '\t';
    if (printable == n)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' looks like text (starts %s), not IDX data, which starts with two zero bytes",
                          who, name, start);
    if (p[0] == 'P' && p[1] == 'K')
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is a zip archive (starts \"PK\"), not IDX data: unzip it first", who, name);
    return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has the magic bytes %02X %02X %02X %02X: not IDX data, whose magic is "
                      "00 00 <type> <rank> (00 00 08 03 for MNIST images, 00 00 08 01 for labels)",
                      who, name, p[0], p[1], p[2], p[3]);
}

// Parse raw IDX bytes: check the whole header against the length before
// allocating, then convert the big-endian elements to host order.
static int nnet__idx_parse(const unsigned char *p, size_t size, const char *who, const char *name, int inflated,
                           nnet_idx **out) {
    nnet_idx *idx;
    int rank, type, d;
    uint32_t dims[NNET_IDX_MAX_RANK];
    size_t header, count = 1, element, bytes, head, k, used = 0;
    char shape[NNET_IDX_MAX_RANK * 12];
    const unsigned char *e;
    *out = NULL;
    if (size == 0) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is empty (0 bytes): the download or copy probably failed", who, name);
    }
    if (size < 4) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is only %zu bytes long, too short for the 4-byte IDX magic: the file is truncated",
                   who, name, size);
    }
    if (p[0] != 0 || p[1] != 0) return nnet__not_idx(who, name, p, size, inflated);
    type = p[2]; rank = p[3];
    element = nnet__idx_element_size(type);
    if (!element) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has the element type 0x%02X, expected 08 (u8), 09 (i8), 0B (i16), 0C (i32), 0D (f32) or 0E (f64)",
                   who, name, type);
    }
    if (rank < 1 || rank > NNET_IDX_MAX_RANK) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has rank %d (its 4th byte), expected 1..%d dimensions",
                   who, name, rank, NNET_IDX_MAX_RANK);
    }
    header = 4 + 4 * (size_t)rank;
    if (size < header) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated in the header: %d dimensions need %zu header bytes, the file has %zu",
                   who, name, rank, header, size);
    }
    for (d = 0; d < rank; d++) {
        dims[d] = nnet__be32(p + 4 + 4 * d);
        if (dims[d] > (uint32_t)NNET_MAX_DIM) {
            return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has dimension %d of size %lu, larger than NNET_MAX_DIM = %d",
                       who, name, d, (unsigned long)dims[d], NNET_MAX_DIM);
        }
        used += (size_t)sprintf(shape + used, d ? "x%lu" : "%lu", (unsigned long)dims[d]);
    }
    for (d = 0; d < rank; d++) {
        if (dims[d] && count > SIZE_MAX / dims[d]) break;
        count *= dims[d];
    }
    if (d < rank || count > SIZE_MAX / element) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' declares %s elements of %zu bytes each: the product overflows a size_t, so the header is corrupt",
                   who, name, shape, element);
    }
    bytes = count * element;
    if (bytes > size - header) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' declares %s %s elements = %zu bytes of data, but only %zu bytes follow the header: the file is truncated",
                   who, name, shape, nnet__idx_type_name(type), bytes, size - header);
    }
    if (bytes < size - header) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' declares %s %s elements = %zu bytes of data, but %zu bytes follow the header: %zu extra bytes (wrong dimensions or type?)",
                   who, name, shape, nnet__idx_type_name(type), bytes, size - header, size - header - bytes);
    }
    // One allocation: the struct, padded to 8 bytes, then the elements.
    head = (sizeof(nnet_idx) + 7) / 8 * 8;
    idx = (nnet_idx *)nnet__alloc(head + bytes, who);
    if (!idx) return NNET_ERR_MEMORY;
    memset(idx, 0, sizeof *idx);
    idx->type = (nnet_idx_type)type;
    idx->rank = rank;
    for (d = 0; d < rank; d++) idx->dims[d] = (int)dims[d];
    idx->count = count;
    idx->data = (unsigned char *)idx + head;
    e = p + header;
    // Signed values are assembled with arithmetic, not by casting an out-of-
    // range unsigned value (implementation-defined in C); floats by copying
    // the assembled bits.
    switch (type) {
    case NNET_IDX_U8: memcpy(idx->data, e, count); break;
    case NNET_IDX_I8:
        for (k = 0; k < count; k++) ((int8_t *)idx->data)[k] = (int8_t)((int)e[k] - (e[k] & 0x80 ? 256 : 0));
        break;
    case NNET_IDX_I16:
        for (k = 0; k < count; k++, e += 2) {
            int v = (int)e[0] << 8 | e[1];
            ((int16_t *)idx->data)[k] = (int16_t)(v - (v & 0x8000 ? 65536 : 0));
        }
        break;
    case NNET_IDX_I32:
        for (k = 0; k < count; k++, e += 4) {
            uint32_t v = nnet__be32(e);
            ((int32_t *)idx->data)[k] = v & 0x80000000u ? (int32_t)(v - 0x80000000u) - 0x7FFFFFFF - 1 : (int32_t)v;
        }
        break;
    case NNET_IDX_F32:
        for (k = 0; k < count; k++, e += 4) {
            uint32_t v = nnet__be32(e);
            memcpy((float *)idx->data + k, &v, 4);
        }
        break;
    default:
        for (k = 0; k < count; k++, e += 8) {
            uint64_t v = (uint64_t)nnet__be32(e) << 32 | nnet__be32(e + 4);
            memcpy((double *)idx->data + k, &v, 8);
        }
        break;
    }
    *out = idx;
    return NNET_OK;
}

#ifdef STBI_INCLUDE_STB_IMAGE_H
static uint32_t nnet__le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t nnet__le32(const unsigned char *p) { return nnet__le16(p) | nnet__le16(p + 2) << 16; }

// A zero-terminated header string (FNAME, FCOMMENT) starting at *pos.
static int nnet__gzip_skip_string(const unsigned char *p, size_t size, size_t *pos) {
    const unsigned char *end = (const unsigned char *)memchr(p + *pos, 0, size - *pos);
    if (!end) return 0;
    *pos = (size_t)(end - p) + 1;
    return 1;
}

// A gzip file (RFC 1952, one member) held in memory: the header with its
// optional fields, the deflate stream, then the trailer, CRC-32 and ISIZE
// (the last 8 bytes).
typedef struct nnet__gzip {
    size_t start, compressed;   // the deflate stream: where it starts, its length
    uint32_t crc, isize;        // what the trailer says it inflates to
} nnet__gzip;

// Read the header and trailer into *gz, checking ISIZE is possible.
static int nnet__gzip_open(const unsigned char *p, size_t size, const char *who, const char *name, nnet__gzip *gz) {
    size_t pos = 10, compressed;
    uint32_t flags, crc, isize;
    memset(gz, 0, sizeof *gz);   // set on failure too: gcc -O2 cannot tell callers never read it then
    if (size < 10 || p[0] != 0x1f || p[1] != 0x8b)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is not a gzip file or is truncated in the header: %zu bytes, the fixed gzip header alone is 10 starting 1f 8b",
                          who, name, size);
    if (p[2] != 8)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' uses the gzip compression method %d, expected 8 (deflate)", who, name, p[2]);
    flags = p[3];
    if (flags & 0xE0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' sets the reserved gzip flag bits 0x%02X: the header is corrupt",
                          who, name, (unsigned)(flags & 0xE0));
    if (flags & 4) {  // FEXTRA: a 2-byte length and that many bytes
        if (size - pos < 2) return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated in the gzip FEXTRA length", who, name);
        pos += 2 + nnet__le16(p + pos);
        if (pos > size) return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated in the gzip FEXTRA field", who, name);
    }
    if ((flags & 8) && !nnet__gzip_skip_string(p, size, &pos))
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated in the gzip file name (FNAME)", who, name);
    if ((flags & 16) && !nnet__gzip_skip_string(p, size, &pos))
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated in the gzip comment (FCOMMENT)", who, name);
    if (flags & 2) {  // FHCRC: the low 16 bits of the CRC-32 of the header so far
        uint32_t expected;
        if (size - pos < 2) return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated in the gzip header CRC (FHCRC)", who, name);
        expected = nnet__crc32(0, p, pos) & 0xFFFFu;
        if (nnet__le16(p + pos) != expected)
            return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has the gzip header CRC 0x%04X, computed 0x%04X: the header is corrupt",
                              who, name, (unsigned)nnet__le16(p + pos), (unsigned)expected);
        pos += 2;
    }
    if (size - pos < 10)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is truncated after the gzip header: %zu bytes left, at least 10 needed (deflate data and the 8-byte trailer)",
                          who, name, size - pos);
    compressed = size - pos - 8;
    crc = nnet__le32(p + size - 8);
    isize = nnet__le32(p + size - 4);
    if ((uint64_t)isize > (uint64_t)NNET__DEFLATE_MAX_RATIO * compressed + 2 * NNET__DEFLATE_MAX_RATIO)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' claims %lu inflated bytes (ISIZE) from %zu compressed bytes, more than deflate's %u:1 can give: the file is truncated or corrupt",
                          who, name, (unsigned long)isize, compressed, NNET__DEFLATE_MAX_RATIO);
    if (isize > NNET__GZIP_MAX_SIZE || compressed > (size_t)NNET__GZIP_MAX_SIZE)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' inflates to %lu bytes (ISIZE) from %zu, above the 1 GiB limit for .gz files: gunzip it first",
                          who, name, (unsigned long)isize, compressed);
    gz->start = pos; gz->compressed = compressed; gz->crc = crc; gz->isize = isize;
    return NNET_OK;
}

// Inflate the stream into buffer (gz->isize bytes) with stb_image's
// inflater; the length and CRC-32 must be the trailer's.
static int nnet__gzip_inflate(const unsigned char *p, const nnet__gzip *gz, const char *who, const char *name,
                              unsigned char *buffer) {
    uint32_t crc_found;
    // The trailer goes to the inflater too: stb_image's decoder refuses to
    // decode the last bits of a stream that ends exactly at the end of its
    // input, and it stops by itself at the final block anyway.
    int n = stbi_zlib_decode_noheader_buffer((char *)buffer, (int)gz->isize, (const char *)p + gz->start,
                                             (int)(gz->compressed + 8));
    if (n < 0) {
        const char *reason = stbi_failure_reason();
        // stb_image does not name every failure (a reserved block type sets no
        // reason), so its last message is quoted only as that.
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has a corrupt deflate stream, or one longer than the %lu bytes its ISIZE says (last stb_image error: %s): the file is truncated or corrupt",
                          who, name, (unsigned long)gz->isize, reason ? reason : "none");
    }
    if ((uint32_t)n != gz->isize)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' inflates to %d bytes but its trailer's ISIZE says %lu: the file is truncated or corrupt",
                          who, name, n, (unsigned long)gz->isize);
    crc_found = nnet__crc32(0, buffer, (size_t)n);
    if (crc_found != gz->crc)
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' inflates to data with CRC-32 0x%08lX, the trailer says 0x%08lX: the file is corrupt",
                          who, name, (unsigned long)crc_found, (unsigned long)gz->crc);
    return NNET_OK;
}

// Inflate a gzip file held in memory. *out (*out_size bytes, always at least
// 1 allocated) is freed with nnet__free.
static int nnet__gunzip(const unsigned char *p, size_t size, const char *who, const char *name,
                        unsigned char **out, size_t *out_size) {
    nnet__gzip gz;
    unsigned char *buffer;
    int status = nnet__gzip_open(p, size, who, name, &gz);
    *out = NULL; *out_size = 0;
    if (status != NNET_OK) return status;
    buffer = (unsigned char *)nnet__alloc((size_t)gz.isize + 1, who);
    if (!buffer) return NNET_ERR_MEMORY;
    if ((status = nnet__gzip_inflate(p, &gz, who, name, buffer)) != NNET_OK) {
        nnet__free(buffer);
        return status;
    }
    *out = buffer; *out_size = gz.isize;
    return NNET_OK;
}
#endif

// Raw IDX, or gzip inflated first when stb_image is compiled in.
static int nnet__idx_load(const void *bytes, size_t size, const char *who, const char *name, nnet_idx **out) {
    const unsigned char *p = (const unsigned char *)bytes;
    *out = NULL;
    if (!name) name = "<memory>";
    if (!p && size) return nnet__fail(NNET_ERR_ARGUMENT, "%s: bytes is NULL", who);
    if (!p) p = (const unsigned char *)"";
#ifdef STBI_INCLUDE_STB_IMAGE_H
    if (size >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        unsigned char *raw;
        size_t raw_size;
        int status = nnet__gunzip(p, size, who, name, &raw, &raw_size);
        if (status != NNET_OK) return status;
        status = nnet__idx_parse(raw, raw_size, who, name, 1, out);
        nnet__free(raw);
        return status;
    }
#endif
    return nnet__idx_parse(p, size, who, name, 0, out);
}

NNETDEF nnet_idx *nnet_idx_load_from_memory(const void *bytes, size_t size, const char *name) {
    nnet_idx *idx;
    nnet__idx_load(bytes, size, "nnet_idx_load_from_memory", name, &idx);
    return idx;
}

NNETDEF void nnet_idx_free(nnet_idx *idx) { nnet__free(idx); }

NNETDEF double nnet_idx_value(const nnet_idx *idx, size_t k) {
    NNET_ASSERT(idx && k < idx->count);
    switch (idx->type) {
    case NNET_IDX_U8: return ((const uint8_t *)idx->data)[k];
    case NNET_IDX_I8: return ((const int8_t *)idx->data)[k];
    case NNET_IDX_I16: return ((const int16_t *)idx->data)[k];
    case NNET_IDX_I32: return ((const int32_t *)idx->data)[k];
    case NNET_IDX_F32: return ((const float *)idx->data)[k];
    default: return ((const double *)idx->data)[k];
    }
}

// Check that images and labels make a dataset (as nnet_dataset_from_idx
// says); *classes is then its number of classes.
static int nnet__idx_check_pair(const nnet_idx *images, const nnet_idx *labels, int n_classes, const char *who,
                                const char *images_name, const char *labels_name, int *classes) {
    size_t features;
    int N, i, max_label = 0, limit;
    if (!images || !labels) return nnet__fail(NNET_ERR_ARGUMENT, "%s: images or labels is NULL", who);
    if (n_classes < 0 || n_classes > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: n_classes is %d, expected 0 (from the labels) or 1..%d", who, n_classes,
                          NNET_MAX_DIM);
    N = images->dims[0];
    if (N < 1 || images->count == 0) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' holds no images (its shape has a zero dimension)", who, images_name);
    }
    features = images->count / (size_t)N;
    if (features > (size_t)NNET_MAX_DIM) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: each image of '%s' has %zu values, more than NNET_MAX_DIM = %d",
                   who, images_name, features, NNET_MAX_DIM);
    }
    if (labels->count != (size_t)labels->dims[0]) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' is not a list of labels: its rank is %d with %lu values per item, expected one label per item",
                   who, labels_name, labels->rank, (unsigned long)(labels->dims[0] ? labels->count / (size_t)labels->dims[0] : 0));
    }
    if (labels->dims[0] != N) {
        return nnet__fail(NNET_ERR_FORMAT, "%s: '%s' has %d images but '%s' has %d labels: the counts differ",
                   who, images_name, N, labels_name, labels->dims[0]);
    }
    limit = n_classes ? n_classes : NNET__IDX_MAX_CLASSES;
    for (i = 0; i < N; i++) {
        double v = nnet_idx_value(labels, (size_t)i);
        if (!(v >= 0.0 && v < limit) || v != floor(v)) {
            return nnet__fail(NNET_ERR_FORMAT, "%s: label %g of sample %d in '%s' is outside the classes 0..%d%s",
                       who, v, i, labels_name, limit - 1, n_classes ? "" : " (labels must be whole numbers)");
        }
        if ((int)v > max_label) max_label = (int)v;
    }
    *classes = n_classes ? n_classes : max_label + 1;
    return NNET_OK;
}

// The labels (checked by nnet__idx_check_pair) and their number of classes.
static void nnet__labels_from_idx(nnet_dataset *data, const nnet_idx *labels, int classes) {
    int i;
    for (i = 0; i < data->inputs.rows; i++) data->labels[i] = (int)nnet_idx_value(labels, (size_t)i);
    data->n_classes = classes;
}

static int nnet__dataset_from_idx(const nnet_idx *images, const nnet_idx *labels, int n_classes, const char *who,
                                  const char *images_name, const char *labels_name, nnet_dataset **out) {
    nnet_dataset *data;
    size_t k, features;
    int classes = 0, status = nnet__idx_check_pair(images, labels, n_classes, who, images_name, labels_name, &classes);   // classes: set on success
    *out = NULL;
    if (status != NNET_OK) return status;
    features = images->count / (size_t)images->dims[0];
    // u8 images stay bytes (byte_scale 1/255); other types become floats
    data = nnet__dataset_create(images->dims[0], (int)features, 0, classes, images->type == NNET_IDX_U8, who);
    if (!data) return NNET_ERR_MEMORY;
    nnet__labels_from_idx(data, labels, classes);
    if (data->bytes) {
        memcpy(data->bytes, images->data, images->count);
        *out = data;
        return NNET_OK;
    }
    for (k = 0; k < images->count; k++) {
        double v = nnet_idx_value(images, k);
        // checked in double: converting a double beyond FLT_MAX to float is undefined
        if (!(fabs(v) <= FLT_MAX)) {
            nnet__fail(NNET_ERR_FORMAT, "%s: value %zu of image %zu in '%s' is %g, expected a finite float",
                       who, k % features, k / features, images_name, v);
            nnet_dataset_free(data);
            return NNET_ERR_FORMAT;
        }
        data->inputs.data[k] = (float)v;
    }
    *out = data;
    return NNET_OK;
}

NNETDEF nnet_dataset *nnet_dataset_from_idx(const nnet_idx *images, const nnet_idx *labels, int n_classes) {
    nnet_dataset *data;
    nnet__dataset_from_idx(images, labels, n_classes, "nnet_dataset_from_idx", "images", "labels", &data);
    return data;
}

static int nnet__dataset_load_idx(const void *images, size_t images_size, const void *labels, size_t labels_size,
                                  int n_classes, const char *who, const char *images_name, const char *labels_name,
                                  nnet_dataset **out) {
    nnet_idx *x, *y = NULL;
    int status = nnet__idx_load(images, images_size, who, images_name, &x);
    *out = NULL;
    if (status == NNET_OK) status = nnet__idx_load(labels, labels_size, who, labels_name, &y);
    if (status == NNET_OK) status = nnet__dataset_from_idx(x, y, n_classes, who, images_name, labels_name, out);
    nnet_idx_free(x);
    nnet_idx_free(y);
    return status;
}

NNETDEF nnet_dataset *nnet_dataset_load_idx_from_memory(const void *images, size_t images_size,
                                                        const void *labels, size_t labels_size, int n_classes) {
    nnet_dataset *data;
    nnet__dataset_load_idx(images, images_size, labels, labels_size, n_classes,
                           "nnet_dataset_load_idx_from_memory", "<images>", "<labels>", &data);
    return data;
}

#ifndef NNET_NO_STDIO

// Read and parse one IDX file; its bytes are freed as soon as it is parsed.
static int nnet__idx_load_file(const char *path, const char *who, nnet_idx **out) {
    unsigned char *bytes;
    size_t size;
    int status = nnet__read_file(path, who, (size_t)-1, &bytes, &size);
    *out = NULL;
    if (status != NNET_OK) return status;
    status = nnet__idx_load(bytes, size, who, path, out);
    nnet__free(bytes);
    return status;
}

NNETDEF nnet_idx *nnet_idx_load(const char *path) {
    nnet_idx *idx;
    nnet__idx_load_file(path, "nnet_idx_load", &idx);
    return idx;
}

// The images of MNIST's files, u8 of rank 3, read (or inflated) straight
// into the dataset's bytes, so that loading holds at most the compressed
// file and the dataset. The file's 16-byte header lands at the start, where
// it is checked, then the pixels move down over it. *out stays NULL (with
// NNET_OK) when the file is something else, for nnet__idx_load_file to load
// or explain.
static int nnet__images_in_place(const char *path, const nnet_idx *labels, const char *who, const char *labels_path,
                                 nnet_dataset **out) {
    unsigned char *compressed = NULL, magic[2] = {0, 0}, *file;
    size_t size, pixels, features;
    uint32_t dims[3];
    int N = labels->dims[0], status = NNET_OK, classes = 0, i;
    nnet_dataset *data = NULL;
    nnet_idx images;
#ifdef STBI_INCLUDE_STB_IMAGE_H
    nnet__gzip gz;
    size_t compressed_size;
#endif
    FILE *f = nnet__open_to_read(path, who, &size);
    *out = NULL;
    if (!f) return NNET_ERR_IO;
    if (fread(magic, 1, 2, f) != 2 || fseek(f, 0, SEEK_SET) != 0) goto general;   // nnet__idx_load_file says what is wrong
    if (magic[0] == 0x1f && magic[1] == 0x8b) {
#ifdef STBI_INCLUDE_STB_IMAGE_H
        fclose(f); f = NULL;
        if ((status = nnet__read_file(path, who, (size_t)-1, &compressed, &compressed_size)) != NNET_OK) goto done;
        if ((status = nnet__gzip_open(compressed, compressed_size, who, path, &gz)) != NNET_OK) goto done;
        size = gz.isize;
#else
        goto general;
#endif
    }
    if (size < 16 || N < 1) goto general;
    pixels = size - 16;
    features = pixels / (size_t)N;
    if (pixels % (size_t)N || features < 1 || features > NNET_MAX_DIM) goto general;
    if (!(data = nnet__dataset_create(N, (int)features, 0, 1, 1, who))) { status = NNET_ERR_MEMORY; goto done; }
    file = data->bytes;
    if (f && fread(file, 1, size, f) != size) {
        status = nnet__fail(NNET_ERR_IO, "%s: could not read the %zu bytes of '%s': %s", who, size, path, strerror(errno));
        goto done;
    }
#ifdef STBI_INCLUDE_STB_IMAGE_H
    if (compressed) {
        if ((status = nnet__gzip_inflate(compressed, &gz, who, path, file)) != NNET_OK) goto done;
        nnet__free(compressed); compressed = NULL;
    }
#endif
    for (i = 0; i < 3; i++) dims[i] = nnet__be32(file + 4 + 4 * i);
    if (file[0] || file[1] || file[2] != NNET_IDX_U8 || file[3] != 3 || dims[0] != (uint32_t)N ||
        dims[1] > NNET_MAX_DIM || dims[2] > NNET_MAX_DIM || (size_t)dims[1] * dims[2] != features)
        goto general;
    memset(&images, 0, sizeof images);
    images.type = NNET_IDX_U8; images.rank = 3; images.count = pixels; images.data = file + 16;
    for (i = 0; i < 3; i++) images.dims[i] = (int)dims[i];
    if ((status = nnet__idx_check_pair(&images, labels, 0, who, path, labels_path, &classes)) != NNET_OK) goto done;
    nnet__labels_from_idx(data, labels, classes);
    memmove(data->bytes, file + 16, pixels);
    memset(data->bytes + pixels, 0, 16);
    *out = data; data = NULL;
    goto done;
general:
    status = NNET_OK;
done:
    if (f) fclose(f);
    nnet__free(compressed);
    nnet_dataset_free(data);
    return status;
}

// The labels first: their count places the images in the dataset's block.
static int nnet__dataset_load_files(const char *images_path, const char *labels_path, const char *who, nnet_dataset **out) {
    nnet_idx *x = NULL, *y;
    int status = nnet__idx_load_file(labels_path, who, &y);
    *out = NULL;
    if (status == NNET_OK) status = nnet__images_in_place(images_path, y, who, labels_path, out);
    if (status == NNET_OK && !*out) {   // not u8 images of rank 3 (or not an IDX file at all)
        status = nnet__idx_load_file(images_path, who, &x);
        if (status == NNET_OK) status = nnet__dataset_from_idx(x, y, 0, who, images_path, labels_path, out);
    }
    nnet_idx_free(x);
    nnet_idx_free(y);
    return status;
}

NNETDEF nnet_dataset *nnet_dataset_load_idx(const char *images_path, const char *labels_path) {
    nnet_dataset *data;
    nnet__dataset_load_files(images_path, labels_path, "nnet_dataset_load_idx", &data);
    return data;
}

// Find directory/<stem>-<kind>-idx<rank>-ubyte under the names MNIST files go
// by: the original hyphen, the dot some mirrors use before "idx", with or
// without .gz. path has room for the directory plus 64 bytes.
static int nnet__find_mnist_file(char *path, const char *directory, const char *stem, const char *kind, int rank) {
    static const char *const suffixes[2] = {"", ".gz"};
    static const char separators[2] = {'-', '.'};
    int s, d;
    for (s = 0; s < 2; s++)
        for (d = 0; d < 2; d++) {
            sprintf(path, "%s/%s-%s%cidx%d-ubyte%s", directory, stem, kind, separators[d], rank, suffixes[s]);
            if (nnet__path_exists(path)) return 1;
        }
    return 0;
}

NNETDEF int nnet_dataset_load_mnist(const char *directory, nnet_dataset **train, nnet_dataset **test) {
    static const char *const stems[2] = {"train", "t10k"};
    nnet_dataset **parts[2];
    char *images, *labels;
    size_t length;
    int part, status = NNET_OK;
    parts[0] = train; parts[1] = test;
    if (train) *train = NULL;
    if (test) *test = NULL;
    if (!directory || (!train && !test))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_load_mnist: directory is NULL or both outputs are NULL");
#if defined(__unix__) || defined(__APPLE__)
    {
        struct stat st;
        if (stat(directory, &st) != 0 || !S_ISDIR(st.st_mode))
            return nnet__fail(NNET_ERR_IO, "nnet_dataset_load_mnist: '%s' is not a directory (%s)", directory,
                              stat(directory, &st) != 0 ? strerror(errno) : "it is a file");
    }
#endif
    length = strlen(directory) + 64;
    images = (char *)nnet__alloc(2 * length, "nnet_dataset_load_mnist");
    if (!images) return NNET_ERR_MEMORY;
    labels = images + length;
    for (part = 0; part < 2 && status == NNET_OK; part++) {
        if (!parts[part]) continue;
        if (!nnet__find_mnist_file(images, directory, stems[part], "images", 3))
            status = nnet__fail(NNET_ERR_IO, "nnet_dataset_load_mnist: no %s-images-idx3-ubyte (or %s-images.idx3-ubyte, with or without .gz) in '%s'",
                                stems[part], stems[part], directory);
        else if (!nnet__find_mnist_file(labels, directory, stems[part], "labels", 1))
            status = nnet__fail(NNET_ERR_IO, "nnet_dataset_load_mnist: no %s-labels-idx1-ubyte (or %s-labels.idx1-ubyte, with or without .gz) in '%s'",
                                stems[part], stems[part], directory);
        else
            status = nnet__dataset_load_files(images, labels, "nnet_dataset_load_mnist", parts[part]);
    }
    nnet__free(images);
    if (status != NNET_OK) {
        if (train) { nnet_dataset_free(*train); *train = NULL; }
        if (test) { nnet_dataset_free(*test); *test = NULL; }
        return status;
    }
    // Both parts classify the same classes even if one lacks the largest label.
    if (train && test) {
        int classes = nnet__max((*train)->n_classes, (*test)->n_classes);
        (*train)->n_classes = (*test)->n_classes = classes;
    }
    return NNET_OK;
}
#endif

// ---- 13. CSV files ---------------------------------------------------------
// Two passes over the bytes: the first checks the structure (cells per row,
// quotes, bytes) and counts the rows, so the dataset is allocated once at its
// size; the second reads the numbers and the classes into it.
#ifndef NNET_CSV_MAX_COLUMNS
#define NNET_CSV_MAX_COLUMNS (1 << 20)
#endif
#define NNET__CSV_MAX_NUMBER 127   // characters of a number cell (longer ones are refused)
#define NNET__CSV_SNIFF_ROWS 20    // rows the separator detection reads

// One cell: its text (inside the quotes for a quoted cell, where "" stands
// for one quote; without the spaces around it otherwise) and its line.
typedef struct nnet__csv_cell {
    size_t start, length, line;
    int quoted;
} nnet__csv_cell;

typedef struct nnet__csv_scan {
    const unsigned char *p;
    size_t size, at, line;     // the bytes, the position, and its 1-based line
    char separator;
    const char *who;           // "function: 'name'" for messages
} nnet__csv_scan;

static int nnet__csv_space(const nnet__csv_scan *s, unsigned char c) {
    return c == ' ' || (c == '\t' && s->separator != '\t');
}

// The next row: its cells into cells[0..cap) (the others are only counted),
// their number into *count. Blank lines (nothing, or only spaces and tabs)
// are skipped. Returns 1 when no row is left, NNET_OK, or an error.
static int nnet__csv_row(nnet__csv_scan *s, nnet__csv_cell *cells, int cap, int *count) {
    const unsigned char *p = s->p;
    size_t n = s->size, i = s->at, k;
    int column = 0;
    for (;;) {   // blank lines
        for (k = i; k < n && (p[k] == ' ' || p[k] == '\t'); k++) {}
        if (k == n) { s->at = n; return 1; }
        if (p[k] != '\n' && p[k] != '\r') break;
        i = k + 1 + (p[k] == '\r' && k + 1 < n && p[k + 1] == '\n');
        s->line++;
    }
    for (;;) {   // one cell per pass; i is where it starts
        nnet__csv_cell cell;
        if (column == NNET_CSV_MAX_COLUMNS)
            return nnet__fail(NNET_ERR_FORMAT, "%s: line %zu has more than %d columns (NNET_CSV_MAX_COLUMNS)",
                              s->who, s->line, NNET_CSV_MAX_COLUMNS);
        while (i < n && nnet__csv_space(s, p[i])) i++;
        cell.line = s->line;
        cell.quoted = i < n && p[i] == '"';
        if (cell.quoted) {
            cell.start = ++i;
            for (;; i++) {
                if (i == n)
                    return nnet__fail(NNET_ERR_FORMAT, "%s: line %zu, column %d: the quote that opens this cell is never closed",
                                      s->who, cell.line, column + 1);
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') { i++; continue; }
                    break;
                }
                if (p[i] == '\n' || (p[i] == '\r' && !(i + 1 < n && p[i + 1] == '\n'))) s->line++;
                else if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r') break;
            }
            if (i < n && p[i] != '"') break;   // a control byte: reported below
            cell.length = i++ - cell.start;
            while (i < n && nnet__csv_space(s, p[i])) i++;
            if (i < n && p[i] != (unsigned char)s->separator && p[i] != '\n' && p[i] != '\r')
                return nnet__fail(NNET_ERR_FORMAT, "%s: line %zu, column %d: text after the closing quote (a quote inside a quoted cell is written \"\")",
                                  s->who, s->line, column + 1);
        } else {
            cell.start = i;
            while (i < n && p[i] != (unsigned char)s->separator && p[i] != '\n' && p[i] != '\r' && (p[i] >= 0x20 || p[i] == '\t')) i++;
            if (i < n && p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') break;
            for (k = i; k > cell.start && nnet__csv_space(s, p[k - 1]); k--) {}
            cell.length = k - cell.start;
        }
        if (column < cap) cells[column] = cell;
        column++;
        if (i < n && p[i] == (unsigned char)s->separator) { i++; continue; }
        if (i < n) { i += 1 + (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'); s->line++; }
        s->at = i;
        *count = column;
        return NNET_OK;
    }
    return nnet__fail(NNET_ERR_FORMAT, "%s: line %zu, column %d: byte 0x%02X is a control character, not text (a binary file?)",
                      s->who, s->line, column + 1, p[i]);
}

// The cell's text with "" turned into ", cut to fit out (cap >= 1 bytes
// with the NUL; out NULL only measures); returns its whole length.
static size_t nnet__csv_text(const nnet__csv_scan *s, const nnet__csv_cell *cell, char *out, size_t cap) {
    size_t k, n = 0;
    for (k = 0; k < cell->length; k++, n++) {
        if (out && n + 1 < cap) out[n] = (char)s->p[cell->start + k];
        if (cell->quoted && s->p[cell->start + k] == '"') k++;   // the second of a pair
    }
    if (out) out[n + 1 < cap ? n : cap - 1] = '\0';
    return n;
}

// Whether the cell's text is `text` (n bytes).
static int nnet__csv_is(const nnet__csv_scan *s, const nnet__csv_cell *cell, const char *text, size_t n) {
    size_t k, m = 0;
    for (k = 0; k < cell->length; k++, m++) {
        if (m == n || s->p[cell->start + k] != (unsigned char)text[m]) return 0;
        if (cell->quoted && s->p[cell->start + k] == '"') k++;
    }
    return m == n;
}

static int nnet__csv_missing(const nnet__csv_scan *s, const nnet__csv_cell *cell) {
    static const char *const words[6] = {"na", "n/a", "nan", "null", "none", "?"};
    char lower[8];
    size_t k, n = cell->length;
    int w;
    if (n == 0) return 1;
    if (n > 4) return 0;
    for (k = 0; k < n; k++) {
        unsigned char c = s->p[cell->start + k];
        lower[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    lower[n] = '\0';
    for (w = 0; w < 6; w++) if (strcmp(lower, words[w]) == 0) return 1;
    return 0;
}

// A number cell into *value: NNET_OK, or 1 not a number, 2 beyond the float
// range, 3 longer than NNET__CSV_MAX_NUMBER characters. Up to 15 significant
// digits and a power of ten up to 22 the double is exact arithmetic on exact
// values, rounded once (Clinger's fast path); other numbers go to strtod.
static int nnet__csv_number(const unsigned char *p, size_t n, double *value) {
    static const double powers[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t mantissa = 0;
    int digits = 0, dropped = 0, any_digit = 0, exponent = 0, e = 0, e_negative = 0;
    size_t k = 0;
    double d;
    if (k < n && (p[k] == '+' || p[k] == '-')) k++;
    for (; k < n && p[k] >= '0' && p[k] <= '9'; k++, any_digit = 1) {   // (exponent is bounded: a long cell is refused below)
        if (mantissa == 0 && p[k] == '0') continue;
        if (digits < 19) { mantissa = mantissa * 10 + (uint64_t)(p[k] - '0'); digits++; }
        else { exponent += exponent < 100000; dropped |= p[k] != '0'; }
    }
    if (k < n && p[k] == '.')
        for (k++; k < n && p[k] >= '0' && p[k] <= '9'; k++, any_digit = 1) {
            if (mantissa == 0 && p[k] == '0') { exponent -= exponent > -100000; continue; }
            if (digits < 19) { mantissa = mantissa * 10 + (uint64_t)(p[k] - '0'); digits++; exponent--; }
            else dropped |= p[k] != '0';
        }
    if (!any_digit) return 1;
    if (k < n && (p[k] == 'e' || p[k] == 'E')) {
        size_t first;
        k++;
        if (k < n && (p[k] == '+' || p[k] == '-')) e_negative = p[k++] == '-';
        for (first = k; k < n && p[k] >= '0' && p[k] <= '9'; k++) if (e < 100000) e = e * 10 + (p[k] - '0');
        if (k == first) return 1;
    }
    if (k != n) return 1;
    exponent += e_negative ? -e : e;
    if (mantissa == 0) d = 0.0;
    else if (!dropped && digits <= 15 && exponent >= -22 && exponent <= 22)
        d = exponent < 0 ? (double)mantissa / powers[-exponent] : (double)mantissa * powers[exponent];
    else {
        char copy[NNET__CSV_MAX_NUMBER + 1], point = localeconv()->decimal_point[0], *c;
        if (n > NNET__CSV_MAX_NUMBER) return 3;
        memcpy(copy, p, n);
        copy[n] = '\0';
        for (c = copy; *c; c++) if (*c == '.') *c = point;
        d = fabs(strtod(copy, NULL));
    }
    if (p[0] == '-') d = -d;
    if (!(fabs(d) <= FLT_MAX)) return 2;
    *value = d;
    return NNET_OK;
}

// Where a cell is, for messages: "line 7, column 3 ("petal length")".
static void nnet__csv_where(char *out, size_t cap, const nnet__csv_scan *s, const nnet__csv_cell *header,
                            const nnet__csv_cell *cell, int column) {
    char name[48];
    int used = snprintf(out, cap, "line %zu, column %d", cell->line, column + 1);
    if (header && used > 0 && (size_t)used < cap) {
        nnet__csv_text(s, &header[column], name, sizeof name);
        snprintf(out + used, cap - (size_t)used, " (\"%s\")", name);
    }
}

// Fail on a cell that is not what it should be (status 1-3 of nnet__csv_number, or 4 missing).
static int nnet__csv_bad_cell(const nnet__csv_scan *s, const nnet__csv_cell *header, const nnet__csv_cell *cell,
                              int column, int why, const char *role) {
    char where[128], text[48];
    nnet__csv_where(where, sizeof where, s, header, cell, column);
    nnet__csv_text(s, cell, text, sizeof text);
    if (why == 4)
        return nnet__fail(NNET_ERR_FORMAT, "%s: %s: the %s is missing (\"%s\"); fill it in, or skip such rows (skip_bad_rows)",
                          s->who, where, role, text);
    return nnet__fail(NNET_ERR_FORMAT, "%s: %s: the %s \"%s\"%s is %s", s->who, where, role, text,
                      cell->length > 40 ? "..." : "", why == 2 ? "beyond the float range (3.4e38)" : why == 3
                      ? "a number of more than 127 characters" : strchr(text, ',') ? "not a number (a decimal comma? '.' is the decimal point)"
                      : "not a number");
}

// A column named by `item` (n bytes): a header name, else a 0-based index
// (negative from the end). -1 if neither.
static int nnet__csv_column(const nnet__csv_scan *s, const nnet__csv_cell *header, int n_columns, const char *item, size_t n) {
    long index = 0;
    size_t k = item[0] == '-';
    int c;
    if (header)
        for (c = 0; c < n_columns; c++) if (nnet__csv_is(s, &header[c], item, n)) return c;
    if (k == n || n - k > 8) return -1;
    for (; k < n; k++) {
        if (item[k] < '0' || item[k] > '9') return -1;
        index = index * 10 + (item[k] - '0');
    }
    if (item[0] == '-') index = n_columns - index;
    return index >= 0 && index < n_columns ? (int)index : -1;
}

static int nnet__csv_no_column(const nnet__csv_scan *s, const nnet__csv_cell *header, int n_columns, const char *item,
                               size_t n, const char *role) {
    char names[160], text[48];
    size_t used = 0;
    int c;
    names[0] = '\0';
    for (c = 0; header && c < n_columns && used + 52 < sizeof names; c++) {
        nnet__csv_text(s, &header[c], text, 40);
        used += (size_t)snprintf(names + used, sizeof names - used, "%s\"%s\"", c ? ", " : "", text);
    }
    if (header && c < n_columns) snprintf(names + used, sizeof names - used, ", ...");
    return nnet__fail(NNET_ERR_FORMAT, "%s: no %s column \"%.*s\": %s%s%s has %d columns (indices 0..%d, or -1 for the last)",
                      s->who, role, (int)(n < 64 ? n : 64), item, header ? "the header names " : "", names,
                      header ? "; the file" : "the file has no header and", n_columns, n_columns - 1);
}

// Order class indices by name: numbers by value when every name is one,
// else by bytes. A merge sort, since there may be 65536 classes.
typedef struct nnet__csv_classes {
    char *text;                 // the names, one after another, each with its NUL
    size_t used, cap;
    size_t *offset;             // (C) where class c's name starts in text
    double *value;              // (C) its value when it is a number
    int count, numeric;         // classes; every name is a number
} nnet__csv_classes;

static int nnet__csv_before(const nnet__csv_classes *k, int a, int b) {
    if (k->numeric) return k->value[a] < k->value[b];
    return strcmp(k->text + k->offset[a], k->text + k->offset[b]) < 0;
}

static void nnet__csv_sort(const nnet__csv_classes *k, int *order, int *scratch, int n) {
    int width, i;
    for (width = 1; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            int a = i, mid = nnet__min(i + width, n), b = mid, end = nnet__min(i + 2 * width, n), o = i;
            while (a < mid || b < end)
                scratch[o++] = b == end || (a < mid && !nnet__csv_before(k, order[b], order[a])) ? order[a++] : order[b++];
        }
        memcpy(order, scratch, (size_t)n * sizeof(int));
    }
}

// FNV-1a, for the table from class names to labels.
static uint32_t nnet__fnv1a(const char *text, size_t n) {
    uint32_t h = 2166136261u;
    size_t k;
    for (k = 0; k < n; k++) h = (h ^ (unsigned char)text[k]) * 16777619u;
    return h;
}

// The label of class `name` (n bytes): found in the table (capacity a power
// of two, entries -1 when free), or added when `add`. -1 if absent and not
// added, -2 when out of memory or over NNET_CSV_MAX_CLASSES.
static int nnet__csv_class(nnet__csv_classes *k, int *table, uint32_t capacity, const char *name, size_t n, int add,
                           const char *who) {
    uint32_t slot = nnet__fnv1a(name, n) & (capacity - 1);
    for (;; slot = (slot + 1) & (capacity - 1)) {
        int c = table[slot];
        if (c < 0) break;
        if (strlen(k->text + k->offset[c]) == n && memcmp(k->text + k->offset[c], name, n) == 0) return c;
    }
    if (!add) return -1;
    if (k->count == NNET_CSV_MAX_CLASSES) {
        nnet__fail(NNET_ERR_FORMAT, "%s: more than %d classes in the target column (is it a regression target? task NNET_CSV_REGRESSION)",
                   who, NNET_CSV_MAX_CLASSES);
        return -2;
    }
    if (k->used + n + 1 > k->cap) {   // grow the text by doubling
        size_t cap = 2 * (k->used + n + 1);
        char *text = (char *)nnet__alloc(cap, who);
        if (!text) return -2;
        if (k->used) memcpy(text, k->text, k->used);
        nnet__free(k->text);
        k->text = text;
        k->cap = cap;
    }
    memcpy(k->text + k->used, name, n);
    k->text[k->used + n] = '\0';
    k->offset[k->count] = k->used;
    k->used += n + 1;
    table[slot] = k->count;
    return k->count++;
}

// What the first pass learns and the second uses.
typedef struct nnet__csv_plan {
    int n_columns, n_features, n_targets, has_header, classify, rows;
    int *features, *targets;          // (n_features), (n_targets) column indices
    nnet__csv_cell *header, *cells;   // (n_columns) each: the header row, and a row being read
    size_t data_at, data_line;        // where the rows after the header start
} nnet__csv_plan;

// The separator that splits the first rows into the same number of cells.
static char nnet__csv_detect(nnet__csv_scan *s) {
    static const char candidates[3] = {'\t', ';', ','};
    int best = 2, best_count = 1, c;
    for (c = 0; c < 3; c++) {
        nnet__csv_scan t = *s;
        int rows = 0, first = 0, count = 0, same = 1, status = NNET_OK;
        t.separator = candidates[c];
        while (rows < NNET__CSV_SNIFF_ROWS && (status = nnet__csv_row(&t, NULL, 0, &count)) == NNET_OK) {
            if (rows++ == 0) first = count;
            same &= count == first;
        }
        if (rows == 0) continue;   // no row, or an error in the first: judge by the rows before it
        if (same && first >= 2) return candidates[c];
        if (first > best_count) { best = c; best_count = first; }
    }
    return candidates[best];
}

// The columns `spec` names (comma-separated; whole first) into columns[],
// *count of them; missing ones are an error unless `optional`, which then
// gives *count = -1.
static int nnet__csv_columns(const nnet__csv_scan *s, const nnet__csv_plan *plan, const char *spec, int *columns,
                             int *count, int optional) {
    int c = nnet__csv_column(s, plan->header, plan->n_columns, spec, strlen(spec));
    *count = 0;
    if (c >= 0) { columns[(*count)++] = c; return NNET_OK; }
    while (*spec) {
        size_t n = strcspn(spec, ",");
        if (*count == plan->n_columns) return nnet__fail(NNET_ERR_ARGUMENT, "%s: more target columns than the %d of the file", s->who, plan->n_columns);
        if ((c = nnet__csv_column(s, plan->header, plan->n_columns, spec, n)) < 0) {
            if (optional) { *count = -1; return NNET_OK; }
            return nnet__csv_no_column(s, plan->header, plan->n_columns, spec, n, "target");
        }
        columns[(*count)++] = c;
        spec += n + (spec[n] == ',');
    }
    return NNET_OK;
}

// Pass 1: the header, the columns' roles, the task, and the rows.
static int nnet__csv_plan_rows(nnet__csv_scan *s, const nnet_csv_desc *desc, nnet__csv_plan *plan, int *role) {
    nnet__csv_scan first = *s;
    int count = 0, status, c, i, text_target = 0;
    status = nnet__csv_row(s, plan->header, plan->n_columns, &count);
    NNET_ASSERT(status == NNET_OK && count == plan->n_columns);
    plan->has_header = desc->header == NNET_CSV_HEADER_YES;
    if (desc->header == NNET_CSV_HEADER_AUTO) {   // compare the first row with the second
        nnet__csv_scan t = *s;
        double v;
        int second = nnet__csv_row(&t, plan->cells, plan->n_columns, &count), numeric_columns = 0, names = 0;
        if (second == NNET_OK) {
            for (c = 0; c < nnet__min(count, plan->n_columns); c++) {
                if (nnet__csv_number(s->p + plan->cells[c].start, plan->cells[c].length, &v) != NNET_OK) continue;
                numeric_columns++;
                names += nnet__csv_number(s->p + plan->header[c].start, plan->header[c].length, &v) != NNET_OK;
            }
            plan->has_header = numeric_columns > 0 && names == numeric_columns;
        } else if (second == 1) {   // one row: a header if it holds text
            for (c = 0; c < plan->n_columns; c++)
                plan->has_header |= !nnet__csv_missing(s, &plan->header[c]) &&
                                    nnet__csv_number(s->p + plan->header[c].start, plan->header[c].length, &v) != NNET_OK;
        }
    }
    if (!plan->has_header) *s = first;   // the first row is data
    plan->data_at = s->at;
    plan->data_line = s->line;
    // The columns: targets, then features.
    for (c = 0; c < plan->n_columns; c++) role[c] = 0;
    if (!desc->target) {
        plan->targets[0] = plan->n_columns - 1;
        plan->n_targets = 1;
    } else if (!desc->target[0]) plan->n_targets = 0;
    else if ((status = nnet__csv_columns(s, plan, desc->target, plan->targets, &plan->n_targets, desc->optional_target)))
        return status;
    if (plan->n_targets < 0) plan->n_targets = 0;
    for (i = 0; i < plan->n_targets; i++) {
        if (role[plan->targets[i]])
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: target column %d is listed twice", s->who, plan->targets[i] + 1);
        role[plan->targets[i]] = 2;
    }
    if (desc->n_features > 0) {
        if (!desc->features || desc->n_features > plan->n_columns)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: %d feature columns asked for, features %s; the file has %d columns", s->who,
                              desc->n_features, desc->features ? "given" : "NULL", plan->n_columns);
        for (i = 0; i < desc->n_features; i++) {
            const char *item = desc->features[i];
            if (!item || (c = nnet__csv_column(s, plan->header, plan->n_columns, item, strlen(item))) < 0)
                return nnet__csv_no_column(s, plan->header, plan->n_columns, item ? item : "(NULL)", item ? strlen(item) : 6, "feature");
            if (role[c]) return nnet__fail(NNET_ERR_ARGUMENT, "%s: column %d is asked for twice, or as a feature and a target", s->who, c + 1);
            role[c] = 1;
            plan->features[plan->n_features++] = c;
        }
    } else
        for (c = 0; c < plan->n_columns; c++) if (!role[c]) plan->features[plan->n_features++] = c;
    if (plan->n_features == 0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: no feature column: the file has %d column%s and %d %s the target", s->who,
                          plan->n_columns, plan->n_columns > 1 ? "s" : "", plan->n_targets, plan->n_targets == 1 ? "is" : "are");
    // The rows, and whether a target column holds text.
    while ((status = nnet__csv_row(s, plan->cells, plan->n_columns, &count)) == NNET_OK) {
        if (count != plan->n_columns) {
            if (desc->skip_bad_rows) continue;
            return nnet__fail(NNET_ERR_FORMAT, "%s: line %zu has %d cell%s, but the %s has %d (a separator inside a cell needs quotes)",
                              s->who, plan->cells[0].line, count, count == 1 ? "" : "s",
                              plan->has_header ? "header" : "first row", plan->n_columns);
        }
        if (plan->rows == NNET_MAX_DIM)
            return nnet__fail(NNET_ERR_FORMAT, "%s: more than %d rows (NNET_MAX_DIM)", s->who, NNET_MAX_DIM);
        plan->rows++;
        for (i = 0; i < plan->n_targets && !text_target; i++) {
            const nnet__csv_cell *cell = &plan->cells[plan->targets[i]];
            double v;
            text_target = nnet__csv_number(s->p + cell->start, cell->length, &v) == 1 && !nnet__csv_missing(s, cell);
        }
    }
    if (status < 0) return status;
    if (plan->rows == 0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: no data rows%s", s->who, plan->has_header ? ": the file holds only the header" : "");
    plan->classify = plan->n_targets > 0 && (desc->task == NNET_CSV_CLASSIFICATION ||
                     (desc->task == NNET_CSV_AUTO && (text_target || desc->class_names)));
    if (plan->classify && plan->n_targets != 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: classification takes one target column, found %d%s", s->who, plan->n_targets,
                          text_target ? " and one of them holds text" : "");
    return NNET_OK;
}

// Pass 2: the numbers into inputs (N, I) and targets, or the classes into
// labels; *kept receives the rows kept.
static int nnet__csv_read_rows(nnet__csv_scan *s, const nnet_csv_desc *desc, const nnet__csv_plan *plan, nnet_mat inputs,
                               nnet_mat targets, int *labels, nnet__csv_classes *classes, int *table, uint32_t capacity,
                               int *kept, int *skipped) {
    const nnet__csv_cell *header = plan->has_header ? plan->header : NULL, *cells = plan->cells;
    char *name = NULL;
    size_t name_cap = 0;
    int count, status, i, why = 0, out = 0, column = 0, label;
    const char *role = "";
    s->at = plan->data_at;
    s->line = plan->data_line;
    *skipped = 0;
    while ((status = nnet__csv_row(s, plan->cells, plan->n_columns, &count)) == NNET_OK) {
        double v = 0.0;
        if (count != plan->n_columns) { ++*skipped; continue; }   // pass 1 allowed it: skip_bad_rows
        for (i = 0, why = 0, role = "feature"; i < plan->n_features && !why; i++) {
            const nnet__csv_cell *cell = &cells[column = plan->features[i]];
            why = nnet__csv_missing(s, cell) ? 4 : nnet__csv_number(s->p + cell->start, cell->length, &v);
            if (!why) NNET_AT(inputs, out, i) = (float)v;
        }
        for (i = 0; i < plan->n_targets && !why; i++) {
            const nnet__csv_cell *cell = &cells[column = plan->targets[i]];
            role = "target";
            if (nnet__csv_missing(s, cell)) why = 4;
            else if (!plan->classify) {
                if ((why = nnet__csv_number(s->p + cell->start, cell->length, &v)) == NNET_OK) NNET_AT(targets, out, i) = (float)v;
            } else {
                if (cell->length + 1 > name_cap) {   // room for the class name
                    nnet__free(name);
                    name_cap = 2 * cell->length + 32;
                    if (!(name = (char *)nnet__alloc(name_cap, s->who))) return NNET_ERR_MEMORY;
                }
                if (nnet__csv_number(s->p + cell->start, cell->length, &v) == NNET_OK && floor(v) == v && fabs(v) < 1e15)
                    snprintf(name, name_cap, "%lld", (long long)v);   // "1.0" and "1" are one class
                else
                    nnet__csv_text(s, cell, name, name_cap);
                label = nnet__csv_class(classes, table, capacity, name, strlen(name), !desc->class_names, s->who);
                if (label == -2) { nnet__free(name); return NNET_ERR_MEMORY; }
                if (label < 0) {
                    char where[128];
                    nnet__csv_where(where, sizeof where, s, header, cell, column);
                    status = nnet__fail(NNET_ERR_FORMAT, "%s: %s: class \"%.40s\" is not one of the %d classes given", s->who,
                                        where, name, classes->count);
                    nnet__free(name);
                    return status;
                }
                labels[out] = label;
            }
        }
        if (!why) { out++; continue; }
        if (!desc->skip_bad_rows) {
            nnet__free(name);
            return nnet__csv_bad_cell(s, header, &cells[column], column, why, role);
        }
        ++*skipped;
    }
    nnet__free(name);
    if (status < 0) return status;
    if (out == 0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: every one of the %d rows was skipped for a missing or bad value", s->who, *skipped);
    *kept = out;
    return NNET_OK;
}

// The names of the result: (I) features and (T) targets from the header, (C)
// classes, laid out after the struct in its one block. order (C) is the
// order of the classes, NULL for as they came.
static nnet_csv *nnet__csv_result(const nnet__csv_scan *s, const nnet__csv_plan *plan, const nnet__csv_classes *classes,
                                  const int *order) {
    size_t text = 0, head = (sizeof(nnet_csv) + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *), names;
    int i, n_header = plan->has_header ? plan->n_features + plan->n_targets : 0;
    char **pointers, *at;
    nnet_csv *csv;
    for (i = 0; i < n_header; i++)
        text += nnet__csv_text(s, &plan->header[i < plan->n_features ? plan->features[i] : plan->targets[i - plan->n_features]], NULL, 0) + 1;
    text += classes->used;
    names = (size_t)(n_header + classes->count) * sizeof(char *);
    if (!(csv = (nnet_csv *)nnet__alloc(head + names + text + 1, s->who))) return NULL;
    memset(csv, 0, sizeof *csv);
    pointers = (char **)(void *)((char *)csv + head);
    at = (char *)csv + head + names;
    for (i = 0; i < n_header; i++) {
        const nnet__csv_cell *cell = &plan->header[i < plan->n_features ? plan->features[i] : plan->targets[i - plan->n_features]];
        size_t n = nnet__csv_text(s, cell, NULL, 0);
        pointers[i] = at;
        nnet__csv_text(s, cell, at, n + 1);
        at += n + 1;
    }
    for (i = 0; i < classes->count; i++) {
        const char *name = classes->text + classes->offset[order ? order[i] : i];
        size_t n = strlen(name);
        pointers[n_header + i] = at;
        memcpy(at, name, n + 1);
        at += n + 1;
    }
    if (plan->has_header) {
        csv->feature_names = pointers;
        if (plan->n_targets) csv->target_names = pointers + plan->n_features;
    }
    if (plan->classify) csv->class_names = pointers + n_header;
    csv->n_classes = classes->count;
    csv->n_targets = plan->n_targets;
    csv->n_columns = plan->n_columns;
    csv->has_header = plan->has_header;
    csv->separator = s->separator;
    return csv;
}

static nnet_csv *nnet__csv_load(const unsigned char *p, size_t size, const nnet_csv_desc *given, const char *who) {
    nnet_csv_desc desc;
    nnet__csv_scan s;
    nnet__csv_plan plan;
    nnet__csv_classes classes;
    nnet_csv *csv = NULL;
    nnet_dataset *data = NULL;
    nnet_mat inputs = nnet_mat_view(0, 0, NULL), targets = nnet_mat_view(0, 0, NULL);
    int *ints = NULL, *table = NULL, *order = NULL, count = 0, status, kept = 0, skipped = 0, i, most = 0;
    uint32_t capacity = 16;
    memset(&plan, 0, sizeof plan);
    memset(&classes, 0, sizeof classes);
    if (given) desc = *given;
    else memset(&desc, 0, sizeof desc);
    if (!p && size) { nnet__fail(NNET_ERR_ARGUMENT, "%s: bytes is NULL", who); return NULL; }
    if ((desc.separator && desc.separator != ',' && desc.separator != ';' && desc.separator != '\t') ||
        (int)desc.header < 0 || (int)desc.header > (int)NNET_CSV_HEADER_NO || (int)desc.task < 0 ||
        (int)desc.task > (int)NNET_CSV_CLASSIFICATION || desc.n_features < 0 ||
        desc.n_classes < 0 || !desc.class_names != !desc.n_classes || desc.n_classes > NNET_CSV_MAX_CLASSES) {
        nnet__fail(NNET_ERR_ARGUMENT, "%s: bad desc: separator %d (expected 0, ',', ';' or '\\t'), header %d, task %d, n_features %d, "
                   "%d class names %s (expected 1..%d names, or none)", who, desc.separator, (int)desc.header, (int)desc.task,
                   desc.n_features, desc.n_classes, desc.class_names ? "given" : "NULL", NNET_CSV_MAX_CLASSES);
        return NULL;
    }
    s.p = p; s.size = size; s.at = 0; s.line = 1; s.who = who; s.separator = ',';
    if (size >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        nnet__fail(NNET_ERR_FORMAT, "%s: the file is UTF-16 text (it starts %02X %02X); save it as UTF-8", who, p[0], p[1]);
        return NULL;
    }
    if (size >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) s.at = 3;   // the UTF-8 byte-order mark
    s.separator = desc.separator ? desc.separator : nnet__csv_detect(&s);
    for (i = (int)s.at; (size_t)i < size && (p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'); i++) {}
    {   // the first row's cells; or with a control byte anywhere, the row reader's error on it
        nnet__csv_scan t = s;
        int binary = (size_t)i < size;
        while ((status = nnet__csv_row(&t, NULL, 0, &count)) == NNET_OK && binary) {}
        if (status != NNET_OK) {
            if (status == 1) nnet__fail(NNET_ERR_FORMAT, "%s: the file is empty%s", who, size ? " (only blank lines)" : "");
            return NULL;
        }
    }
    plan.n_columns = count;
    ints = (int *)nnet__alloc((size_t)count * (3 * sizeof(int) + 2 * sizeof(nnet__csv_cell)), who);
    if (!ints) return NULL;
    plan.header = (nnet__csv_cell *)(void *)ints;
    plan.cells = plan.header + count;
    plan.features = (int *)(void *)(plan.cells + count);
    plan.targets = plan.features + count;
    if ((status = nnet__csv_plan_rows(&s, &desc, &plan, plan.targets + count)) != NNET_OK) goto done;
    if (plan.n_targets == 0) {
        inputs = nnet_mat_create(plan.rows, plan.n_features);
        if (!inputs.data) { status = NNET_ERR_MEMORY; goto done; }
    } else if (!plan.classify) {
        if (!(data = nnet_dataset_create_targets(plan.rows, plan.n_features, plan.n_targets))) { status = NNET_ERR_MEMORY; goto done; }
        inputs = data->inputs;
        targets = data->targets;
    } else {   // the class table: up to `most` names, in a table at most half full
        most = desc.class_names ? desc.n_classes : nnet__min(plan.rows, NNET_CSV_MAX_CLASSES);
        while (capacity < 2u * (uint32_t)most) capacity *= 2;
        if (!(data = nnet_dataset_create(plan.rows, plan.n_features, 1)) ||
            !(table = (int *)nnet__alloc(capacity * sizeof(int) + (size_t)most * (sizeof(size_t) + sizeof(double) + 2 * sizeof(int)), who))) {
            status = NNET_ERR_MEMORY;
            goto done;
        }
        inputs = data->inputs;
        memset(table, 0xFF, capacity * sizeof(int));   // -1: free
        classes.offset = (size_t *)(void *)(table + capacity);
        classes.value = (double *)(void *)(classes.offset + most);
        order = (int *)(void *)(classes.value + most);
        for (i = 0; i < desc.n_classes; i++) {
            const char *name = desc.class_names[i];
            int c = name ? nnet__csv_class(&classes, table, capacity, name, strlen(name), 0, who) : -1;
            if (!name || c >= 0) {
                status = nnet__fail(NNET_ERR_ARGUMENT, "%s: class_names[%d] is %s", who, i, name ? "listed twice" : "NULL");
                goto done;
            }
            if (nnet__csv_class(&classes, table, capacity, name, strlen(name), 1, who) < 0) { status = NNET_ERR_MEMORY; goto done; }
        }
    }
    status = nnet__csv_read_rows(&s, &desc, &plan, inputs, targets, data ? data->labels : NULL, &classes, table, capacity, &kept, &skipped);
    if (status != NNET_OK) goto done;
    if (plan.classify && desc.sorted_classes && !desc.class_names) {   // renumber the classes in sorted order
        int *scratch = order + most, *rank = scratch;
        classes.numeric = 1;
        for (i = 0; i < classes.count; i++) {
            const char *name = classes.text + classes.offset[i];
            order[i] = i;
            classes.numeric &= nnet__csv_number((const unsigned char *)name, strlen(name), &classes.value[i]) == NNET_OK;
        }
        nnet__csv_sort(&classes, order, scratch, classes.count);
        for (i = 0; i < classes.count; i++) rank[order[i]] = i;
        for (i = 0; i < kept; i++) data->labels[i] = rank[data->labels[i]];
    } else order = NULL;
    if (!(csv = nnet__csv_result(&s, &plan, &classes, order))) { status = NNET_ERR_MEMORY; goto done; }
    inputs.rows = kept;   // skipped rows leave room at the end of the block
    if (data) {
        data->inputs.rows = kept;
        if (data->targets.data) data->targets.rows = kept;
        else data->n_classes = classes.count;
    } else csv->internal.inputs = inputs.data;
    csv->data = data;
    csv->inputs = inputs;
    csv->n_skipped = skipped;
    status = NNET_OK;
done:
    if (status != NNET_OK) {
        nnet_dataset_free(data);
        if (!data) nnet_mat_free(&inputs);
    }
    nnet__free(classes.text);
    nnet__free(table);
    nnet__free(ints);
    return status == NNET_OK ? csv : NULL;
}

NNETDEF nnet_csv *nnet_csv_load_from_memory(const void *bytes, size_t size, const nnet_csv_desc *desc, const char *name) {
    char who[300];
    snprintf(who, sizeof who, "nnet_csv_load_from_memory: '%.200s'", name ? name : "<memory>");
    return nnet__csv_load((const unsigned char *)bytes, size, desc, who);
}

NNETDEF void nnet_csv_free(nnet_csv *csv) {
    if (!csv) return;
    nnet_dataset_free(csv->data);
    nnet__free(csv->internal.inputs);
    nnet__free(csv);
}

#ifndef NNET_NO_STDIO
NNETDEF nnet_csv *nnet_csv_load(const char *path, const nnet_csv_desc *desc) {
    char who[300];
    unsigned char *bytes;
    size_t size;
    nnet_csv *csv;
    if (nnet__read_file(path, "nnet_csv_load", (size_t)-1, &bytes, &size) != NNET_OK) return NULL;
    snprintf(who, sizeof who, "nnet_csv_load: '%.200s'", path);
    csv = nnet__csv_load(bytes, size, desc, who);
    nnet__free(bytes);
    return csv;
}
#endif

// ---- 14. Image input -------------------------------------------------------
// The MNIST recipe (LeCun et al.): the NIST digits were "size normalized to
// fit in a 20x20 pixel box while preserving their aspect ratio", which made
// grey anti-aliased edges, then "centered in a 28x28 image by computing the
// center of mass of the pixels". Measured on data/mnist-sample the centre of
// mass sits at pixel index (14.0, 14.0) +- 0.3, so that is where we put it.
#ifndef NNET_IMAGE_MAX_SIDE
#define NNET_IMAGE_MAX_SIDE 8192
#endif
#ifndef NNET_IMAGE_MAX_PIXELS
#define NNET_IMAGE_MAX_PIXELS (1 << 26)
#endif
#ifndef NNET_IMAGE_MAX_BYTES
#define NNET_IMAGE_MAX_BYTES (1 << 27)
#endif
#define NNET__IMAGE_MAX_FILE (1 << 28)    /* largest image file read: 256 MiB */
#define NNET__IMAGE_MIN_CONTRAST 0.1f     /* ink must differ this much from the background */
#define NNET__IMAGE_INK 0.25f             /* after stretching, ink is > this (MNIST's boxes are 20 px at it) */
#define NNET__MNIST_BOX 20
#define NNET__MNIST_SIDE 28

// Decoding is compiled in when the program included stb_image before this
// implementation (its include guard is defined) and NNET_NO_PNG is not set.
#if defined(STBI_INCLUDE_STB_IMAGE_H) && !defined(NNET_NO_PNG)
#define NNET__IMAGE_STB 1
#else
#define NNET__IMAGE_STB 0
#endif

static int nnet__image_check(const char *fn, const void *image, int width, int height) {
    if (!image) return nnet__fail(NNET_ERR_ARGUMENT, "%s: image is NULL", fn);
    if (width < 1 || height < 1 || width > NNET_IMAGE_MAX_SIDE || height > NNET_IMAGE_MAX_SIDE ||
        (double)width * height > (double)NNET_IMAGE_MAX_PIXELS)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: image is %dx%d, expected sides 1..%d and at most %d pixels",
                          fn, width, height, NNET_IMAGE_MAX_SIDE, NNET_IMAGE_MAX_PIXELS);
    return NNET_OK;
}

// Statistics of the border pixels (each counted once), where a photo or a
// scan shows bare paper, or of all pixels (border_only 0): their median and
// their median absolute deviation (MAD), from 256-bin histograms so they need
// no allocation. Exact to 1/255, the grain of 8-bit images. Both are robust:
// ink touching up to half of the border does not move them.
static int nnet__image_bin(float v) { return v > 0.0f ? (v < 1.0f ? (int)(v * 255.0f + 0.5f) : 255) : 0; } // NaN -> 0

static void nnet__image_stats(const float *image, int width, int height, int border_only, float *median, float *mad) {
    size_t histogram[256], n = 0, seen;
    int pass, x, y, bin, middle = 0;
    for (pass = 0; pass < 2; pass++) {   // pass 0: the values; pass 1: their distances to the median
        memset(histogram, 0, sizeof histogram);
        n = 0;
        for (y = 0; y < height; y++) {
            int step = !border_only || y == 0 || y == height - 1 ? 1 : nnet__max(width - 1, 1);
            for (x = 0; x < width; x += step) {
                bin = nnet__image_bin(image[(size_t)y * (size_t)width + (size_t)x]);
                histogram[pass == 0 ? bin : (bin > middle ? bin - middle : middle - bin)]++;
                n++;
            }
        }
        for (bin = 0, seen = 0; bin < 256; bin++) {
            seen += histogram[bin];
            if (2 * seen >= n) break;
        }
        if (pass == 0) middle = bin;
    }
    *median = (float)middle / 255.0f;
    *mad = (float)bin / 255.0f;
}

// The extremum (minimum, or maximum with is_max) of the 2 radius + 1 values
// around each of the n values of a line, `stride` floats apart, in place; the
// window stops at the ends. The van Herk / Gil-Werman method: cut the line,
// padded by radius on each side, into blocks of one window; a window then
// spans the end of one block and the start of the next, whose running
// extrema from the block's end (h) and from its start (g) are computed once,
// so each value costs three comparisons, whatever the radius. work holds
// 3 (n + 2 radius) floats.
#define NNET__IMAGE_EXTREMUM(a, b) (is_max ? ((a) > (b) ? (a) : (b)) : ((a) < (b) ? (a) : (b)))
static void nnet__image_extremum_line(float *line, size_t stride, int n, int radius, int is_max, float *work) {
    int k = 2 * radius + 1, m = n + 2 * radius, j, start;
    float *p = work, *g = work + m, *h = g + m, pad = is_max ? -FLT_MAX : FLT_MAX;
    for (j = 0; j < radius; j++) p[j] = p[m - 1 - j] = pad;
    for (j = 0; j < n; j++) p[radius + j] = line[(size_t)j * stride];
    for (start = 0; start < m; start += k) {
        int end = nnet__min(start + k, m);
        g[start] = p[start];
        for (j = start + 1; j < end; j++) g[j] = NNET__IMAGE_EXTREMUM(g[j - 1], p[j]);
        h[end - 1] = p[end - 1];
        for (j = end - 2; j >= start; j--) h[j] = NNET__IMAGE_EXTREMUM(h[j + 1], p[j]);
    }
    for (j = 0; j < n; j++) line[(size_t)j * stride] = NNET__IMAGE_EXTREMUM(h[j], g[j + 2 * radius]);
}
#undef NNET__IMAGE_EXTREMUM

// The grey-level opening (closing 0) or closing (closing 1) of image (H, W)
// by a (2 radius + 1)-pixel square, into out (H, W); work holds
// 3 (max(W, H) + 2 radius) floats. The opening is the minimum over the
// square (rows, then columns), then the maximum of those minima over the
// square; the closing the other way round.
static void nnet__image_open(float *out, const float *image, int width, int height, int radius, int closing, float *work) {
    int x, y, pass;
    memcpy(out, image, (size_t)width * (size_t)height * sizeof(float));
    for (pass = 0; pass < 2; pass++) {
        int is_max = pass ^ closing;
        for (y = 0; y < height; y++) nnet__image_extremum_line(out + (size_t)y * (size_t)width, 1, width, radius, is_max, work);
        for (x = 0; x < width; x++) nnet__image_extremum_line(out + x, (size_t)width, height, radius, is_max, work);
    }
}

// Room for an image copy and nnet__image_open's work, or NULL (and a message).
static float *nnet__image_scratch(int width, int height, int radius, int copies, const char *fn) {
    size_t floats = (size_t)copies * (size_t)width * (size_t)height + 3 * ((size_t)nnet__max(width, height) + 2 * (size_t)radius);
    return (float *)nnet__alloc(nnet__bytes(floats, sizeof(float), 1), fn);
}

static int nnet__image_auto_window(int width, int height) { return nnet__max(3, nnet__min(width, height) / 4); }

// The mean of the largest 5% of the n values counted in histogram (1024
// bins over [0, 1]): how strong the strongest ink is, whatever else is there.
static double nnet__image_top_mean(const size_t *histogram, size_t n) {
    size_t want = n / 20 + 1, seen = 0, take;
    double sum = 0.0;
    int bin;
    for (bin = 1023; bin >= 0 && seen < want; bin--) {
        take = histogram[bin] < want - seen ? histogram[bin] : want - seen;
        sum += (double)take * (bin + 0.5) / 1024.0;
        seen += take;
    }
    return sum / (double)want;
}

#define NNET__IMAGE_POLARITY_SIDE 160   // step 1 looks at the picture scaled to this longer side at most

// Plain paper: 90% of the border has one grey level (to 1/255), which is
// also the median of the whole picture. A drawing, a scan or a digital digit
// has it; a photo's paper (light falling off, a shadow, grain, a desk) does
// not, and needs steps 1 and 2 in full.
static int nnet__image_plain_paper(const float *image, int width, int height) {
    float border, mad;
    size_t n = 0, same = 0, below = 0, i, count = (size_t)width * (size_t)height;
    int x, y, level;
    nnet__image_stats(image, width, height, 1, &border, &mad);
    level = nnet__image_bin(border);
    for (y = 0; y < height; y++) {
        int step = y == 0 || y == height - 1 ? 1 : nnet__max(width - 1, 1);
        for (x = 0; x < width; x += step, n++) same += nnet__image_bin(image[(size_t)y * (size_t)width + (size_t)x]) == level;
    }
    if (10 * same < 9 * n) return 0;
    // The whole picture's median is that level: fewer than half of the
    // pixels on either side of it.
    for (i = 0; i < count; i++) below += nnet__image_bin(image[i]) < level;
    if (2 * below > count) return 0;
    for (i = 0, below = 0; i < count; i++) below += nnet__image_bin(image[i]) > level;
    return 2 * below <= count;
}

static int nnet__image_invert(float *image, int width, int height, int plain, int *inverted);

NNETDEF int nnet_image_invert_if_light(float *image, int width, int height, int *inverted) {
    int status = nnet__image_check("nnet_image_invert_if_light", image, width, height);
    if (inverted) *inverted = 0;
    if (status != NNET_OK) return status;
    return nnet__image_invert(image, width, height, nnet__image_plain_paper(image, width, height), inverted);
}

// Step 1 on a checked image; plain: nnet__image_plain_paper's answer.
static int nnet__image_invert(float *image, int width, int height, int plain, int *inverted) {
    size_t i, n = 0, *histogram = NULL;
    double score = 0.0;
    float *small = NULL, *opened, *closed, border, all, mad;
    int light, w = width, h = height, most, radius;
    if (plain) {   // the paper's level decides
        nnet__image_stats(image, width, height, 1, &border, &mad);
        light = border > 0.5f;
        goto done;
    }
    // Ink is thinner than the paper around it, and thinner than the gaps
    // between its strokes. At each window, doubling from 3 pixels to step 2's
    // (at most half the picture), the opening takes away light structures
    // thinner than the window and the closing fills in dark ones; the ink's
    // polarity is the one whose strongest 5% are ahead over the windows, the
    // ink coming out at smaller windows than the gaps do. Shadows, vignetting
    // and the edge of a sheet are wider and count for neither. The picture is
    // first scaled down to NNET__IMAGE_POLARITY_SIDE, which keeps strokes and
    // bounds the work.
    if (nnet__max(width, height) > NNET__IMAGE_POLARITY_SIDE)
        nnet_image_fit_size(width, height, NNET__IMAGE_POLARITY_SIDE, &w, &h);
    most = nnet__min(nnet__image_auto_window(w, h), nnet__min(w, h) / 2) / 2;
    if (most > 0) {
        n = (size_t)w * (size_t)h;
        small = nnet__image_scratch(w, h, most, 3, "nnet_image_invert_if_light");
        histogram = (size_t *)nnet__alloc(2048 * sizeof(size_t), "nnet_image_invert_if_light");
        if (!small || !histogram) { nnet__free(small); nnet__free(histogram); return NNET_ERR_MEMORY; }
        opened = small + n;
        closed = opened + n;
        if (w == width) memcpy(small, image, n * sizeof(float));
        else nnet_image_resize_area(small, w, h, image, width, height, width);
        for (radius = 1;; radius = nnet__min(2 * radius, most)) {
            memset(histogram, 0, 2048 * sizeof(size_t));
            nnet__image_open(opened, small, w, h, radius, 0, closed + n);
            nnet__image_open(closed, small, w, h, radius, 1, closed + n);
            for (i = 0; i < n; i++) {
                float l = small[i] - opened[i], d = closed[i] - small[i];   // both >= 0
                histogram[l < 1.0f ? (int)(l * 1024.0f) : 1023]++;
                histogram[1024 + (d < 1.0f ? (int)(d * 1024.0f) : 1023)]++;
            }
            score += nnet__image_top_mean(histogram + 1024, n) - nnet__image_top_mean(histogram, n);
            if (radius == most) break;
        }
        nnet__free(histogram);
        nnet__free(small);
    }
    if (score != 0.0) {
        light = score > 0.0;   // dark ink: a light background
    } else {   // a picture too small for a window, or blank: the paper's level decides
        nnet__image_stats(image, width, height, 1, &border, &mad);
        nnet__image_stats(image, width, height, 0, &all, &mad);
        light = border > 0.5f || all > 0.5f;
    }
done:
    n = (size_t)width * (size_t)height;
    if (light) for (i = 0; i < n; i++) image[i] = 1.0f - image[i];
    if (inverted) *inverted = light;
    return NNET_OK;
}

NNETDEF int nnet_image_remove_background(float *image, int width, int height, int window) {
    size_t i, n;
    float *opened;
    int status = nnet__image_check("nnet_image_remove_background", image, width, height), radius;
    if (status != NNET_OK) return status;
    if (window < 0 || window > NNET_IMAGE_MAX_SIDE)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_remove_background: window %d, expected 0 (automatic) "
                          "to %d", window, NNET_IMAGE_MAX_SIDE);
    radius = (window ? window : nnet__image_auto_window(width, height)) / 2;   // an even window is widened by one
    n = (size_t)width * (size_t)height;
    if (!(opened = nnet__image_scratch(width, height, radius, 1, "nnet_image_remove_background"))) return NNET_ERR_MEMORY;
    nnet__image_open(opened, image, width, height, radius, 0, opened + n);
    // What is left, as a fraction of what the paper reflects where the page
    // was inverted (1 - opening): a stroke in a shadow comes out as strong as
    // one in the light. Digital images have an opening of 0 and lose nothing.
    for (i = 0; i < n; i++) image[i] = (image[i] - opened[i]) / (opened[i] < 0.95f ? 1.0f - opened[i] : 0.05f);
    nnet__free(opened);
    return NNET_OK;
}

NNETDEF int nnet_image_stretch_contrast(float *image, int width, int height) {
    size_t i, n;
    float background, median, mad, top = 0.0f, scale;
    int status = nnet__image_check("nnet_image_stretch_contrast", image, width, height);
    if (status != NNET_OK) return status;
    n = (size_t)width * (size_t)height;
    // Paper is the border's median give or take its spread: 3 MAD above the
    // median covers noise (about 2 sigma) and uneven light, so that all of it
    // becomes 0, as MNIST's background is. When the border is something
    // brighter than the paper (a desk around a sheet, left over by the
    // background removal), all the pixels, mostly paper, give the lower level.
    nnet__image_stats(image, width, height, 1, &median, &mad);
    background = median + 3.0f * mad;
    if (background > 0.0f) {
        nnet__image_stats(image, width, height, 0, &median, &mad);
        if (median + 3.0f * mad < background) background = median + 3.0f * mad;
    }
    for (i = 0; i < n; i++) if (image[i] > top) top = image[i];
    if (top > 1.0f) top = 1.0f;
    if (!(top - background >= NNET__IMAGE_MIN_CONTRAST))
        return nnet__fail(NNET_ERR_FORMAT, "nnet_image_stretch_contrast: no ink in the %dx%d image: the strongest "
                          "pixel (%.3f) is within %.2f of the background (%.3f); expected a digit darker or lighter "
                          "than its background", width, height, (double)top, (double)NNET__IMAGE_MIN_CONTRAST,
                          (double)background);
    scale = 1.0f / (top - background);
    for (i = 0; i < n; i++) {
        float v = (image[i] - background) * scale;
        image[i] = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f;
    }
    return NNET_OK;
}

// A connected piece of ink: its weight and its box (inclusive).
typedef struct nnet__image_piece { double mass; int x0, y0, x1, y1, keep; } nnet__image_piece;

// The root of pixel i's piece: parent[i] >= 0 leads towards it, and a root
// holds a negative number (-1, or -2 - its piece's index once numbered).
static int nnet__image_root(int *parent, int i) {
    while (parent[i] >= 0) {
        if (parent[parent[i]] >= 0) parent[i] = parent[parent[i]];   // path halving
        i = parent[i];
    }
    return i;
}

static void nnet__image_join(int *parent, int a, int b) {
    a = nnet__image_root(parent, a);
    b = nnet__image_root(parent, b);
    if (a < b) parent[b] = a; else if (b < a) parent[a] = b;   // the first pixel in reading order is the root
}

// Does piece q's box lie within piece p's, grown by `gap` pixels each way?
static int nnet__image_near(const nnet__image_piece *p, const nnet__image_piece *q, int gap) {
    return q->x0 >= p->x0 - gap && q->x1 <= p->x1 + gap && q->y0 >= p->y0 - gap && q->y1 <= p->y1 + gap;
}

NNETDEF int nnet_image_keep_digit(float *image, int width, int height, float threshold) {
    int *parent;
    nnet__image_piece *pieces = NULL, box;
    float *mask;
    int status = nnet__image_check("nnet_image_keep_digit", image, width, height), x, y, count = 0, k, main = -1, gap, bw, bh;
    if (status != NNET_OK) return status;
    parent = (int *)nnet__alloc(nnet__bytes((size_t)width, (size_t)height, sizeof(int)), "nnet_image_keep_digit");
    if (!parent) return NNET_ERR_MEMORY;
    // Label the pieces: join each ink pixel to its ink neighbours above and
    // to the left (8-connected), then number the roots.
    for (y = 0; y < height; y++)
        for (x = 0; x < width; x++) {
            int i = y * width + x, d;
            if (!(image[i] > threshold)) continue;
            parent[i] = -1;
            if (x > 0 && image[i - 1] > threshold) nnet__image_join(parent, i, i - 1);
            for (d = -1; y > 0 && d <= 1; d++)
                if (x + d >= 0 && x + d < width && image[i - width + d] > threshold) nnet__image_join(parent, i, i - width + d);
        }
    for (y = 0; y < height * width; y++)
        if (image[y] > threshold && parent[y] == -1) parent[y] = -2 - count++;
    if (count == 0) {
        nnet__free(parent);
        return nnet__fail(NNET_ERR_FORMAT, "nnet_image_keep_digit: no ink in the %dx%d image: no pixel is above %g",
                          width, height, (double)threshold);
    }
    pieces = (nnet__image_piece *)nnet__alloc(nnet__bytes((size_t)count, sizeof *pieces, 1), "nnet_image_keep_digit");
    if (!pieces) { nnet__free(parent); return NNET_ERR_MEMORY; }
    for (k = 0; k < count; k++) { pieces[k].mass = 0.0; pieces[k].x0 = width; pieces[k].y0 = height; pieces[k].x1 = pieces[k].y1 = -1; }
    for (y = 0; y < height; y++)
        for (x = 0; x < width; x++) {
            int i = y * width + x, root;
            nnet__image_piece *p;
            if (!(image[i] > threshold)) continue;
            root = nnet__image_root(parent, i);
            if (root != i) parent[i] = root;   // from here on, each ink pixel points at its root
            p = &pieces[-2 - parent[root]];
            p->mass += image[i];
            if (x < p->x0) p->x0 = x;
            if (x > p->x1) p->x1 = x;
            if (y < p->y0) p->y0 = y;
            p->y1 = y;
        }
    // The digit: the heaviest piece away from the edges of the picture, or
    // failing that touching them but not spanning it, or failing that any;
    // then the pieces near it of the same kind or better. keep is the kind:
    // 2 away from the edges, 1 touching, 0 spanning.
    for (k = 0; k < count; k++) {
        nnet__image_piece *p = &pieces[k];
        p->keep = (p->x0 == 0 && p->x1 == width - 1) || (p->y0 == 0 && p->y1 == height - 1) ? 0 :
                  p->x0 == 0 || p->y0 == 0 || p->x1 == width - 1 || p->y1 == height - 1 ? 1 : 2;
    }
    for (k = 0; k < count; k++)
        if ((main < 0 || pieces[k].keep > pieces[main].keep ||
             (pieces[k].keep == pieces[main].keep && pieces[k].mass > pieces[main].mass)))
            main = k;
    box = pieces[main];
    gap = nnet__max(box.x1 - box.x0, box.y1 - box.y0) / 2 + 1;
    for (k = 0; k < count; k++) {
        nnet__image_piece *p = &pieces[k];
        p->keep = k == main || (p->keep >= pieces[main].keep && p->mass * 100.0 >= pieces[main].mass &&
                                nnet__image_near(&pieces[main], p, gap));
        if (p->keep) {
            box.x0 = nnet__min(box.x0, p->x0); box.x1 = nnet__max(box.x1, p->x1);
            box.y0 = nnet__min(box.y0, p->y0); box.y1 = nnet__max(box.y1, p->y1);
        }
    }
    // What stays: the kept pieces, and the fainter pixels within 2 pixels of
    // them (their anti-aliased edges), inside their box.
    box.x0 = nnet__max(0, box.x0 - 2); box.y0 = nnet__max(0, box.y0 - 2);
    box.x1 = nnet__min(width - 1, box.x1 + 2); box.y1 = nnet__min(height - 1, box.y1 + 2);
    bw = box.x1 - box.x0 + 1; bh = box.y1 - box.y0 + 1;
    mask = nnet__image_scratch(bw, bh, 2, 1, "nnet_image_keep_digit");
    if (!mask) { nnet__free(pieces); nnet__free(parent); return NNET_ERR_MEMORY; }
    for (y = 0; y < bh; y++)
        for (x = 0; x < bw; x++) {
            int i = (box.y0 + y) * width + box.x0 + x;
            mask[y * bw + x] = image[i] > threshold && pieces[-2 - parent[parent[i] >= 0 ? parent[i] : i]].keep ? 1.0f : 0.0f;
        }
    for (y = 0; y < bh; y++) nnet__image_extremum_line(mask + (size_t)y * (size_t)bw, 1, bw, 2, 1, mask + (size_t)bw * (size_t)bh);
    for (x = 0; x < bw; x++) nnet__image_extremum_line(mask + x, (size_t)bw, bh, 2, 1, mask + (size_t)bw * (size_t)bh);
    for (y = 0; y < height; y++)
        for (x = 0; x < width; x++)
            if (x < box.x0 || x > box.x1 || y < box.y0 || y > box.y1 || mask[(y - box.y0) * bw + x - box.x0] == 0.0f)
                image[y * width + x] = 0.0f;
    nnet__free(mask);
    nnet__free(pieces);
    nnet__free(parent);
    return NNET_OK;
}

NNETDEF int nnet_image_bounding_box(const float *image, int width, int height, float threshold,
                                    nnet_image_box *box) {
    int x, y, x0 = width, y0 = height, x1 = -1, y1 = -1;
    int status = nnet__image_check("nnet_image_bounding_box", image, width, height);
    if (status != NNET_OK) return status;
    if (!box) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_bounding_box: box is NULL");
    for (y = 0; y < height; y++) {
        const float *row = image + (size_t)y * (size_t)width;
        for (x = 0; x < width; x++)
            if (row[x] > threshold) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y0 == height) y0 = y;
                y1 = y;
            }
    }
    if (x1 < 0) {
        box->x = box->y = box->width = box->height = 0;
        return nnet__fail(NNET_ERR_FORMAT, "nnet_image_bounding_box: no ink in the %dx%d image: no pixel is above %g",
                          width, height, (double)threshold);
    }
    box->x = x0; box->y = y0; box->width = x1 - x0 + 1; box->height = y1 - y0 + 1;
    return NNET_OK;
}

NNETDEF int nnet_image_fit_size(int width, int height, int side, int *fit_width, int *fit_height) {
    int longer, shorter;
    if (!fit_width || !fit_height) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_fit_size: NULL output");
    if (width < 1 || height < 1 || side < 1 || side > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_fit_size: box %dx%d into side %d, expected all >= 1",
                          width, height, side);
    longer = nnet__max(width, height);
    shorter = nnet__min(width, height);
    // round(side * shorter / longer) in exact integer arithmetic, at least 1.
    shorter = (int)(((int64_t)2 * side * shorter + longer) / (2 * (int64_t)longer));
    if (shorter < 1) shorter = 1;
    *fit_width = width >= height ? side : shorter;
    *fit_height = width >= height ? shorter : side;
    return NNET_OK;
}

// Area averaging in exact integer coordinates: scale the source by dst_w and
// the destination by src_w, so source column i covers [i dst_w, (i+1) dst_w)
// and destination column j covers [j src_w, (j+1) src_w). Their overlap is
// the weight; dividing by src_w src_h (one destination pixel's area in these
// units, per axis) gives the mean.
static int nnet__overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
    int64_t lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
    return hi > lo ? (int)(hi - lo) : 0;
}

NNETDEF int nnet_image_resize_area(float *dst, int dst_w, int dst_h,
                                   const float *src, int src_w, int src_h, int src_stride) {
    int status, i, j, x, y;
    double norm;
    if ((status = nnet__image_check("nnet_image_resize_area", dst, dst_w, dst_h)) != NNET_OK) return status;
    if ((status = nnet__image_check("nnet_image_resize_area", src, src_w, src_h)) != NNET_OK) return status;
    if (src_stride < src_w)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_resize_area: src_stride %d is less than src_w %d",
                          src_stride, src_w);
    norm = 1.0 / ((double)src_w * (double)src_h);
    for (i = 0; i < dst_h; i++) {
        int64_t r0 = (int64_t)i * src_h, r1 = r0 + src_h;
        int y_first = (int)(r0 / dst_h), y_last = (int)((r1 - 1) / dst_h);
        for (j = 0; j < dst_w; j++) {
            int64_t c0 = (int64_t)j * src_w, c1 = c0 + src_w;
            int x_first = (int)(c0 / dst_w), x_last = (int)((c1 - 1) / dst_w);
            double sum = 0.0;
            for (y = y_first; y <= y_last; y++) {
                const float *row = src + (size_t)y * (size_t)src_stride;
                double row_sum = 0.0;
                int wy = nnet__overlap(r0, r1, (int64_t)y * dst_h, (int64_t)(y + 1) * dst_h);
                for (x = x_first; x <= x_last; x++)
                    row_sum += (double)nnet__overlap(c0, c1, (int64_t)x * dst_w, (int64_t)(x + 1) * dst_w) * row[x];
                sum += wy * row_sum;
            }
            dst[(size_t)i * (size_t)dst_w + (size_t)j] = (float)(sum * norm);
        }
    }
    return NNET_OK;
}

NNETDEF int nnet_image_normalize_strokes(float *image, int width, int height) {
    size_t i, n;
    float top = 0.0f;
    int status = nnet__image_check("nnet_image_normalize_strokes", image, width, height);
    if (status != NNET_OK) return status;
    n = (size_t)width * (size_t)height;
    for (i = 0; i < n; i++) if (image[i] > top) top = image[i];
    if (!(top > 0.0f))
        return nnet__fail(NNET_ERR_FORMAT, "nnet_image_normalize_strokes: no ink in the %dx%d image", width, height);
    for (i = 0; i < n; i++) image[i] /= top;
    return NNET_OK;
}

NNETDEF int nnet_image_center_of_mass(const float *image, int width, int height, float *cx, float *cy) {
    double mass = 0.0, mx = 0.0, my = 0.0;
    int x, y, status = nnet__image_check("nnet_image_center_of_mass", image, width, height);
    if (status != NNET_OK) return status;
    if (!cx || !cy) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_center_of_mass: NULL output");
    for (y = 0; y < height; y++) {
        const float *row = image + (size_t)y * (size_t)width;
        double row_mass = 0.0;
        for (x = 0; x < width; x++) { row_mass += row[x]; mx += (double)x * row[x]; }
        mass += row_mass; my += (double)y * row_mass;
    }
    if (!(mass > 0.0))
        return nnet__fail(NNET_ERR_FORMAT, "nnet_image_center_of_mass: the %dx%d image has no ink (total %g)",
                          width, height, mass);
    *cx = (float)(mx / mass);
    *cy = (float)(my / mass);
    return NNET_OK;
}

NNETDEF int nnet_image_paste_centered(float *dst, int dst_w, int dst_h, const float *src, int src_w, int src_h) {
    float cx, cy;
    int status, x, y, dx, dy;
    if ((status = nnet__image_check("nnet_image_paste_centered", dst, dst_w, dst_h)) != NNET_OK) return status;
    if ((status = nnet_image_center_of_mass(src, src_w, src_h, &cx, &cy)) != NNET_OK) return status;
    // Whole-pixel shift, rounded: the centre lands within half a pixel.
    dx = (int)floor((double)(dst_w / 2) - cx + 0.5);
    dy = (int)floor((double)(dst_h / 2) - cy + 0.5);
    memset(dst, 0, (size_t)dst_w * (size_t)dst_h * sizeof(float));
    for (y = 0; y < src_h; y++) {
        if (y + dy < 0 || y + dy >= dst_h) continue;
        for (x = 0; x < src_w; x++)
            if (x + dx >= 0 && x + dx < dst_w)
                dst[(size_t)(y + dy) * (size_t)dst_w + (size_t)(x + dx)] = src[(size_t)y * (size_t)src_w + (size_t)x];
    }
    return NNET_OK;
}

// Steps 1-7 on a float image, which it overwrites.
static int nnet__image_to_mnist(float *image, int width, int height, float *pixels) {
    float digit[NNET__MNIST_BOX * NNET__MNIST_BOX];
    nnet_image_box box;
    int fit_w = 0, fit_h = 0, status;   // set by nnet_image_fit_size; gcc -O3 cannot see it
    int plain = nnet__image_plain_paper(image, width, height);
    if ((status = nnet__image_invert(image, width, height, plain, NULL)) != NNET_OK) return status;
    if (!plain && (status = nnet_image_remove_background(image, width, height, 0)) != NNET_OK) return status;
    if ((status = nnet_image_stretch_contrast(image, width, height)) != NNET_OK) return status;
    if ((status = nnet_image_keep_digit(image, width, height, NNET__IMAGE_INK)) != NNET_OK) return status;
    if ((status = nnet_image_bounding_box(image, width, height, NNET__IMAGE_INK, &box)) != NNET_OK) return status;
    if ((status = nnet_image_fit_size(box.width, box.height, NNET__MNIST_BOX, &fit_w, &fit_h)) != NNET_OK) return status;
    if ((status = nnet_image_resize_area(digit, fit_w, fit_h, image + (size_t)box.y * (size_t)width + (size_t)box.x,
                                         box.width, box.height, width)) != NNET_OK) return status;
    if ((status = nnet_image_normalize_strokes(digit, fit_w, fit_h)) != NNET_OK) return status;
    return nnet_image_paste_centered(pixels, NNET__MNIST_SIDE, NNET__MNIST_SIDE, digit, fit_w, fit_h);
}

NNETDEF int nnet_image_to_mnist(const unsigned char *grey, int width, int height, float *pixels) {
    float *image;
    size_t i, n;
    int status = nnet__image_check("nnet_image_to_mnist", grey, width, height);
    if (status != NNET_OK) return status;
    if (!pixels) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_to_mnist: pixels is NULL");
    n = (size_t)width * (size_t)height;
    image = (float *)nnet__alloc(nnet__bytes(n, sizeof(float), 1), "nnet_image_to_mnist");
    if (!image) return NNET_ERR_MEMORY;
    for (i = 0; i < n; i++) image[i] = (float)grey[i] * (1.0f / 255.0f);
    status = nnet__image_to_mnist(image, width, height, pixels);
    nnet__free(image);
    return status;
}

#if NNET__IMAGE_STB
// Put "where: " in front of the current message, keeping the status.
static int nnet__image_prefix(int status, const char *fn, const char *path) {
    char inner[sizeof nnet__message];
    memcpy(inner, nnet__message, sizeof inner);
    if (path) return nnet__fail(status, "%s: \"%s\": %s", fn, path, inner);
    return nnet__fail(status, "%s: %s", fn, inner);
}

// Messages in these helpers have no function name; the callers put theirs in front.
static int nnet__image_too_large(unsigned long width, unsigned long height) {
    return nnet__fail(NNET_ERR_FORMAT, "image is %lux%lu, expected sides 1..%d and at most %d pixels "
                      "(NNET_IMAGE_MAX_SIDE, NNET_IMAGE_MAX_PIXELS); refused before decoding",
                      width, height, NNET_IMAGE_MAX_SIDE, NNET_IMAGE_MAX_PIXELS);
}

// PNG: stb_image refuses an image over 2^30 bytes itself but then reports
// only "unknown image type", so read the header's size to say why. And it
// allocates room for each IDAT chunk's declared length before checking that
// the bytes are there (a 114-byte file asked for 2 GiB when fuzzed), so
// refuse chunks longer than what is left of the data; stb fails on those
// truncated files anyway. stb does not check the chunks' CRC-32s either (a
// corrupt file decodes to a wrong picture), so check them all here.
static int nnet__image_check_png(const unsigned char *p, size_t n) {
    size_t at = 8;
    if (n < 24 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0) return NNET_OK;
    if (memcmp(p + 12, "IHDR", 4) == 0) {
        unsigned long width = nnet__be32(p + 16), height = nnet__be32(p + 20);
        if (width > NNET_IMAGE_MAX_SIDE || height > NNET_IMAGE_MAX_SIDE) return nnet__image_too_large(width, height);
    }
    while (at + 8 <= n) {
        unsigned long length = nnet__be32(p + at);
        uint32_t stored, crc;
        char type[5];
        int c;
        for (c = 0; c < 4; c++) {
            unsigned char t = p[at + 4 + (size_t)c];
            type[c] = (char)((t >= 'A' && t <= 'Z') || (t >= 'a' && t <= 'z') ? t : '?');
        }
        type[4] = '\0';
        if (n - at - 8 < 4 || length > n - at - 12)
            return nnet__fail(NNET_ERR_FORMAT, "PNG chunk %s at byte %zu declares %lu bytes and a CRC but only %zu follow: "
                              "the file is truncated or corrupt", type, at, length, n - at - 8);
        stored = (uint32_t)nnet__be32(p + at + 8 + length);
        if ((crc = nnet__crc32(0, p + at + 4, 4 + (size_t)length)) != stored)
            return nnet__fail(NNET_ERR_FORMAT, "PNG chunk %s at byte %zu has the CRC-32 %08lx, but its bytes give "
                              "%08lx: the file is corrupt", type, at, (unsigned long)stored, (unsigned long)crc);
        if (memcmp(p + at + 4, "IEND", 4) == 0) break;
        at += 12 + (size_t)length;
    }
    return NNET_OK;
}

// Debian's libstb is stb_image 2.27, whose JPEG decoder trusts two things a
// hostile file controls. A scan may name a Huffman table that no DHT segment
// defined: the decoder then walks uninitialised memory as a table and reads
// far out of bounds (fuzz/fuzz_image.c found this as a SEGV inside libstb).
// And a DHT table may declare more than 256 codes, which overflows its arrays
// (nothings/stb#1289, CVE-2022-28042). So walk the JPEG markers first, the
// way stb will read them, and refuse such files. Anything else irregular is
// left for stb to report.
static int nnet__image_check_jpeg(const unsigned char *p, size_t n) {
    unsigned defined = 0;                 // bit 4 class + id: DC tables 0-3, AC tables 4-7
    int progressive = 0;
    size_t i = 0;
    while (i < n && p[i] == 0xFF) i++;    // stb takes FF FF ... D8 as the start too
    if (i == 0 || i >= n || p[i] != 0xD8) return NNET_OK;
    i++;
    while (i + 4 <= n) {
        unsigned m = p[i + 1], length, k;
        const unsigned char *segment = p + i + 4;
        size_t available;
        if (p[i] != 0xFF || m == 0xFF || m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
            i += (p[i] == 0xFF && m != 0xFF) ? 2 : 1;   // entropy-coded data, fill, stuffed 0, RSTn
            continue;
        }
        if (m == 0xD9) break;                           // end of image
        length = (unsigned)p[i + 2] << 8 | p[i + 3];
        if (length < 2) break;
        available = n - (i + 4);                        // stb reads past a short segment, so do we
        if (m == 0xC2) progressive = 1;
        if (m == 0xC4) {                                // DHT: class/id byte, 16 counts, the values
            for (k = 0; k + 2 < length && k < available; ) {
                unsigned table = segment[k], codes = 0, c;
                for (c = 1; c <= 16 && k + c < available; c++) codes += segment[k + c];
                if (codes > 256)
                    return nnet__fail(NNET_ERR_FORMAT, "JPEG Huffman table %s %u declares %u codes, more than 256 "
                                      "(refused: stb_image 2.27 would overflow its tables)",
                                      table >> 4 ? "AC" : "DC", table & 15, codes);
                if ((table >> 4) <= 1 && (table & 15) <= 3) defined |= 1u << ((table >> 4) * 4 + (table & 15));
                k += 17 + codes;
            }
        } else if (m == 0xDA) {                         // SOS: count, (component, DC/AC table) pairs, Ss, Se, Ah/Al
            // stb reads 0 for every byte past the end; so do we.
#define NNET__JPEG_BYTE(k) ((size_t)(k) < available ? segment[k] : 0u)
            unsigned count = NNET__JPEG_BYTE(0), c, ss, ah;
            ss = NNET__JPEG_BYTE(1 + 2 * count);
            ah = NNET__JPEG_BYTE(3 + 2 * count) >> 4;
            for (c = 0; c < count; c++) {
                unsigned dc = NNET__JPEG_BYTE(2 + 2 * c) >> 4, ac = NNET__JPEG_BYTE(2 + 2 * c) & 15;
                int need_dc = !progressive || (ss == 0 && ah == 0), need_ac = !progressive || ss > 0;
                if (dc > 3 || ac > 3) continue;         // stb refuses these itself
                if ((need_dc && !(defined & (1u << dc))) || (need_ac && !(defined & (1u << (4 + ac)))))
                    return nnet__fail(NNET_ERR_FORMAT, "JPEG scan uses Huffman table %s %u, which no DHT segment "
                                      "defined before it (refused: stb_image 2.27 would read uninitialised memory)",
                                      need_dc && !(defined & (1u << dc)) ? "DC" : "AC",
                                      need_dc && !(defined & (1u << dc)) ? dc : ac);
            }
#undef NNET__JPEG_BYTE
        }
        i += 2 + (size_t)length;
    }
    return NNET_OK;
}

// PNM (PGM/PPM): stb_image 2.27 reads the header numbers into an int
// without an overflow check (undefined behaviour), ignores missing pixel data
// (leaving uninitialised memory in the image), and converts a 16-bit PPM to
// one channel with its 8-bit converter, then reads past the end of the result
// (a heap overflow; all three found by fuzzing with ASan/UBSan). So read the
// header first: cap the numbers, require all the pixel data, and have the
// caller ask stb for all 3 channels of a 16-bit PPM (*rgb16 = 1).
static int nnet__image_check_pnm(const unsigned char *p, size_t n, int *rgb16) {
    unsigned long long value[3] = {0, 0, 0}, need;
    size_t i = 2;
    int k, channels;
    *rgb16 = 0;
    if (n < 2 || p[0] != 'P' || (p[1] != '5' && p[1] != '6')) return NNET_OK;
    for (k = 0; k < 3; k++) {
        for (;;) {                                      // whitespace and # comments, as stb skips them
            while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r'))) i++;
            if (i < n && p[i] == '#') { while (i < n && p[i] != '\n' && p[i] != '\r') i++; continue; }
            break;
        }
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if ((value[k] = value[k] * 10 + (unsigned)(p[i] - '0')) > 0xFFFFFFFFull) value[k] = 0xFFFFFFFFull;
    }
    if (value[0] > NNET_IMAGE_MAX_SIDE || value[1] > NNET_IMAGE_MAX_SIDE)
        return nnet__image_too_large((unsigned long)value[0], (unsigned long)value[1]);
    if (value[2] > 65535)
        return nnet__fail(NNET_ERR_FORMAT, "PNM header gives the maximum grey value %llu, expected 1..65535", value[2]);
    channels = p[1] == '6' ? 3 : 1;
    need = value[0] * value[1] * (unsigned long long)channels * (value[2] > 255 ? 2u : 1u);
    if (i + 1 > n || n - (i + 1) < need)                // one whitespace byte, then the pixels
        return nnet__fail(NNET_ERR_FORMAT, "PNM data is truncated: a %llux%llu image needs %llu bytes of pixels, "
                          "the file has %llu", value[0], value[1], need,
                          (unsigned long long)(i + 1 > n ? 0 : n - (i + 1)));
    *rgb16 = channels == 3 && value[2] > 255;
    return NNET_OK;
}

// stb_image has a long record of fuzz-found bugs, so it is used defensively:
// the checks above go first, then stb reads only the header and oversized
// images are refused before anything is decoded or allocated; we ask for one
// grey channel (two when there is alpha) and never flip; stb's failure
// reason is copied into our message.
static int nnet__image_decode(const void *bytes, size_t size, float *pixels) {
    const stbi_uc *data = (const stbi_uc *)bytes;
    stbi_uc *decoded;
    int width, height, channels, depth, want, got_w, got_h, got_c, status, rgb16;
    if (size > (size_t)NNET__IMAGE_MAX_FILE)
        return nnet__fail(NNET_ERR_FORMAT, "image data is %zu bytes, more than the %d accepted",
                          size, NNET__IMAGE_MAX_FILE);
    if ((status = nnet__image_check_png(data, size)) != NNET_OK) return status;
    if ((status = nnet__image_check_jpeg(data, size)) != NNET_OK) return status;
    if ((status = nnet__image_check_pnm(data, size, &rgb16)) != NNET_OK) return status;
    if (!stbi_info_from_memory(data, (int)size, &width, &height, &channels)) {
        const char *why = stbi_failure_reason();
        return nnet__fail(NNET_ERR_FORMAT, "not a readable image (%zu bytes): stb_image says \"%s\"",
                          size, why ? why : "unknown format");
    }
    if (width < 1 || height < 1 || width > NNET_IMAGE_MAX_SIDE || height > NNET_IMAGE_MAX_SIDE ||
        (double)width * height > (double)NNET_IMAGE_MAX_PIXELS)
        return nnet__image_too_large((unsigned long)width, (unsigned long)height);
    // What stb holds decoded: every channel of the file at its depth (a
    // 16-bit RGBA image is 8 bytes a pixel), and about as much again meanwhile.
    depth = stbi_is_16_bit_from_memory(data, (int)size) ? 2 : 1;
    if ((double)width * height * channels * depth > (double)NNET_IMAGE_MAX_BYTES)
        return nnet__fail(NNET_ERR_FORMAT, "image is %dx%d with %d channel%s of %d bits: %.0f bytes decoded, more than "
                          "the %.0f accepted (NNET_IMAGE_MAX_BYTES); refused before decoding", width, height, channels,
                          channels > 1 ? "s" : "", 8 * depth, (double)width * height * channels * depth,
                          (double)NNET_IMAGE_MAX_BYTES);
    want = rgb16 ? 3 : (channels == 2 || channels == 4) ? 2 : 1;   // grey, or grey + alpha
    decoded = stbi_load_from_memory(data, (int)size, &got_w, &got_h, &got_c, want);
    if (!decoded) {
        const char *why = stbi_failure_reason();
        return nnet__fail(NNET_ERR_FORMAT, "could not decode the %dx%d image: stb_image says \"%s\"",
                          width, height, why ? why : "unknown error");
    }
    if (got_w != width || got_h != height) {
        stbi_image_free(decoded);
        return nnet__fail(NNET_ERR_FORMAT, "the image header says %dx%d but %dx%d pixels were decoded",
                          width, height, got_w, got_h);
    }
    if (want == 3) {
        // RGB to grey with stb's own weights (77 R + 150 G + 29 B) / 256, in place.
        size_t i, n = (size_t)width * (size_t)height;
        for (i = 0; i < n; i++)
            decoded[i] = (stbi_uc)((decoded[3 * i] * 77u + decoded[3 * i + 1] * 150u + decoded[3 * i + 2] * 29u) >> 8);
    }
    if (want == 2) {
        // Compose over white (a transparent page is white paper), in place:
        // pixel i is read from bytes 2i, 2i+1 before byte i is written.
        size_t i, n = (size_t)width * (size_t)height;
        for (i = 0; i < n; i++) {
            unsigned grey = decoded[2 * i], alpha = decoded[2 * i + 1];
            decoded[i] = (stbi_uc)((grey * alpha + 255u * (255u - alpha) + 127u) / 255u);
        }
    }
    status = nnet_image_to_mnist(decoded, width, height, pixels);
    stbi_image_free(decoded);
    return status;
}
#endif

#ifdef NNET_NO_PNG
#define NNET__IMAGE_HOW_TO_ENABLE "image decoding is compiled out by NNET_NO_PNG: remove that define, " \
    "#include <stb/stb_image.h> before #define NNET_IMPLEMENTATION and link with -lstb"
#else
#define NNET__IMAGE_HOW_TO_ENABLE "image decoding is not compiled in: #include <stb/stb_image.h> before " \
    "#define NNET_IMPLEMENTATION and #include \"nnet.h\", and link with -lstb (Debian: apt-get install libstb-dev)"
#endif

NNETDEF int nnet_image_load_mnist_from_memory(const void *bytes, size_t size, float *pixels) {
    if (!bytes || !pixels)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_load_mnist_from_memory: bytes %p and pixels %p, expected both non-NULL",
                          bytes, (void *)pixels);
#if NNET__IMAGE_STB
    {
        int status = nnet__image_decode(bytes, size, pixels);
        return status == NNET_OK ? status : nnet__image_prefix(status, "nnet_image_load_mnist_from_memory", NULL);
    }
#else
    (void)size;
    return nnet__fail(NNET_ERR_UNSUPPORTED, "nnet_image_load_mnist_from_memory: " NNET__IMAGE_HOW_TO_ENABLE);
#endif
}

#ifndef NNET_NO_STDIO

NNETDEF int nnet_image_load_mnist(const char *path, float *pixels) {
#if NNET__IMAGE_STB
    unsigned char *bytes = NULL;
    size_t size = 0;
    int status;
#endif
    if (!path || !pixels)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_image_load_mnist: path %p and pixels %p, expected both non-NULL",
                          (const void *)path, (void *)pixels);
#if NNET__IMAGE_STB
    if ((status = nnet__read_file(path, "nnet_image_load_mnist", NNET__IMAGE_MAX_FILE, &bytes, &size)) != NNET_OK)
        return status;
    status = size ? nnet__image_decode(bytes, size, pixels) : nnet__fail(NNET_ERR_FORMAT, "the file is empty");
    nnet__free(bytes);
    return status == NNET_OK ? status : nnet__image_prefix(status, "nnet_image_load_mnist", path);
#else
    return nnet__fail(NNET_ERR_UNSUPPORTED, "nnet_image_load_mnist: cannot load \"%s\": " NNET__IMAGE_HOW_TO_ENABLE, path);
#endif
}
#endif

// ---- 15. Model files and checkpoints ---------------------------------------
// Layout (docs/model-format.md has it byte by byte):
//   bytes 0..7      H, the JSON header's length, u64 little-endian
//   bytes 8..8+H-1  JSON: {"__metadata__":{...strings...}, "layers.0.weight":
//                   {"dtype":"F32","shape":[O,I],"data_offsets":[begin,end]}, ...}
//                   padded with spaces so the data starts at a multiple of 8
//   bytes 8+H..     the data section: each tensor's floats, row-major,
//                   little-endian, at [begin, end) relative to its start
// nnet writes the tensors in parameter order (W_0 b_0 W_1 b_1 ...), so the data
// section is the parameter block itself; a checkpoint follows it with the
// optimiser's moments, each in the same order.

#define NNET__MODEL_MAX_TENSORS (6 * NNET_MAX_LAYERS > 64 ? 6 * NNET_MAX_LAYERS : 64)   // tensors in a header we accept
#define NNET__MODEL_MAX_META 64       // __metadata__ entries
#define NNET__MODEL_MAX_NAME 256      // bytes of a tensor name or metadata key (with the NUL)
#define NNET__MODEL_MAX_DIMS 8        // dimensions of a tensor's shape
#define NNET__JSON_MAX_DEPTH 64       // nesting of values nnet skips over

// Little-endian, byte by byte, whatever the host's order. A float goes
// through its uint32 bit pattern (memcpy between a float and a uint32_t of
// the same host, never of file bytes).
static void nnet__put_u32le(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static uint32_t nnet__get_u32le(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void nnet__put_u64le(unsigned char *p, uint64_t v) {
    nnet__put_u32le(p, (uint32_t)v); nnet__put_u32le(p + 4, (uint32_t)(v >> 32));
}
static uint64_t nnet__get_u64le(const unsigned char *p) {
    return (uint64_t)nnet__get_u32le(p) | (uint64_t)nnet__get_u32le(p + 4) << 32;
}
static uint32_t nnet__float_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float nnet__bits_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

// Text built in two passes: with buf NULL it only counts (as snprintf does).
typedef struct nnet__text { char *buf; size_t cap, len; int failed; } nnet__text;

static void nnet__append(nnet__text *t, const char *format, ...) NNET__PRINTF(2, 3);
static void nnet__append(nnet__text *t, const char *format, ...) {
    va_list args;
    int n;
    int room = t->buf && t->len < t->cap;
    va_start(args, format);
    n = vsnprintf(room ? t->buf + t->len : NULL, room ? t->cap - t->len : 0, format, args);
    va_end(args);
    if (n < 0) t->failed = 1;
    else t->len += (size_t)n;
}

// "%.9g" gives back the same float when read with strtof; the decimal point
// is '.' whatever the C locale says.
static void nnet__format_float(char *out, size_t cap, float x) {
    char point = localeconv()->decimal_point[0];
    char *c;
    snprintf(out, cap, "%.9g", (double)x);
    if (point != '.') for (c = out; *c; c++) if (*c == point) *c = '.';
}

// The optimiser state a checkpoint holds, under PyTorch's names: how many
// moment blocks, and the suffix of each.
static int nnet__state_blocks(nnet_optimizer_kind kind) { return kind == NNET_SGD ? 1 : 2; }
static const char *nnet__state_name(nnet_optimizer_kind kind, int block) {
    return kind == NNET_SGD ? "momentum_buffer" : block ? "exp_avg_sq" : "exp_avg";
}

// A list of n floats as a metadata value: "a,b,c".
static void nnet__append_floats(nnet__text *t, const char *key, const float *x, int n) {
    char number[32];
    int k;
    nnet__append(t, "\"%s\":\"", key);
    for (k = 0; k < n; k++) {
        nnet__format_float(number, sizeof number, x[k]);
        nnet__append(t, "%s%s", k ? "," : "", number);
    }
    nnet__append(t, "\",");
}

// n names as a metadata value holding a JSON array of strings, its escapes
// escaped again, so that Python reads it with json.loads(metadata[key]).
static void nnet__append_names(nnet__text *t, const char *key, char *const *names, int n) {
    const unsigned char *c;
    int k;
    nnet__append(t, "\"%s\":\"[", key);
    for (k = 0; k < n; k++) {
        nnet__append(t, "%s\\\"", k ? "," : "");                      // the name's opening quote, \"
        for (c = (const unsigned char *)names[k]; *c; c++) {
            if (*c == '"' || *c == '\\') nnet__append(t, "\\\\\\%c", *c);   // a quote: \\\" (\" escaped); a backslash: 4 of them
            else if (*c < 0x20) nnet__append(t, "\\\\u%04x", *c);           // \u0001 becomes \\u0001
            else nnet__append(t, "%c", *c);
        }
        nnet__append(t, "\\\"");
    }
    nnet__append(t, "]\",");
}

// The JSON header, unpadded. Tensors in parameter order, then (checkpoint)
// each moment block in the same order; metadata values are all strings, as
// safetensors requires.
static void nnet__model_header(const nnet *net, uint32_t crc, int checkpoint, nnet__text *t) {
    char number[32];
    uint64_t offset = 0;
    int l, block, blocks = checkpoint ? 1 + nnet__state_blocks(net->optimizer.kind) : 1;
    nnet__append(t, "{\"__metadata__\":{\"format\":\"nnet\",\"format_version\":\"%d\",\"nnet_version\":\"%s\","
                    "\"n_inputs\":\"%d\",\"n_layers\":\"%d\",\"sizes\":\"",
                 NNET_MODEL_FORMAT_VERSION, NNET_VERSION_STRING, net->n_inputs, net->n_layers);
    for (l = 0; l < net->n_layers; l++) nnet__append(t, "%s%d", l ? "," : "", net->layers[l].n_outputs);
    nnet__append(t, "\",\"activations\":\"");
    for (l = 0; l < net->n_layers; l++)
        nnet__append(t, "%s%s", l ? "," : "", nnet_activation_name(net->layers[l].activation));
    nnet__append(t, "\",\"dropout\":\"");
    for (l = 0; l < net->n_layers; l++) {
        nnet__format_float(number, sizeof number, net->layers[l].dropout);
        nnet__append(t, "%s%s", l ? "," : "", number);
    }
    nnet__format_float(number, sizeof number, net->leaky_slope);
    nnet__append(t, "\",\"loss\":\"%s\",\"leaky_slope\":\"%s\",", nnet_loss_name(net->loss), number);
    nnet__format_float(number, sizeof number, net->huber_delta);
    nnet__append(t, "\"huber_delta\":\"%s\",", number);
    if (net->input_mean) {   // what the model knows of its data (nnet_set_standardization, nnet_set_names)
        nnet__append_floats(t, "input_mean", net->input_mean, net->n_inputs);
        nnet__append_floats(t, "input_stddev", net->input_stddev, net->n_inputs);
    }
    if (net->target_mean) {
        nnet__append_floats(t, "target_mean", net->target_mean, nnet_output_size(net));
        nnet__append_floats(t, "target_stddev", net->target_stddev, nnet_output_size(net));
    }
    if (net->input_names) nnet__append_names(t, "input_names", net->input_names, net->n_inputs);
    if (net->target_names) nnet__append_names(t, "target_names", net->target_names, net->n_target_names);
    if (net->class_names) nnet__append_names(t, "class_names", net->class_names, net->n_class_names);
    if (checkpoint) {
        nnet__append(t, "\"epoch\":\"%d\",\"optimizer\":\"%s\",\"optimizer_steps\":\"%lld\",", net->epoch,
                     nnet_optimizer_name(net->optimizer.kind), (long long)net->optimizer.steps);
        if (net->internal.rng_seeded)
            nnet__append(t, "\"rng\":\"%016llx%016llx%016llx%016llx\",", (unsigned long long)net->rng.s[0],
                         (unsigned long long)net->rng.s[1], (unsigned long long)net->rng.s[2], (unsigned long long)net->rng.s[3]);
    }
    nnet__append(t, "\"crc32\":\"%08lx\"}", (unsigned long)crc);
    for (block = 0; block < blocks; block++)
        for (l = 0; l < net->n_layers; l++) {
            const nnet_layer *layer = &net->layers[l];
            uint64_t w = 4u * (uint64_t)nnet__count(layer->weight), b = 4u * (uint64_t)layer->n_outputs;
            const char *dot = block ? "." : "", *state = block ? nnet__state_name(net->optimizer.kind, block - 1) : "";
            nnet__append(t, ",\"layers.%d.weight%s%s\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[%llu,%llu]}",
                         l, dot, state, layer->n_outputs, layer->n_inputs, (unsigned long long)offset,
                         (unsigned long long)(offset + w));
            offset += w;
            nnet__append(t, ",\"layers.%d.bias%s%s\":{\"dtype\":\"F32\",\"shape\":[%d],\"data_offsets\":[%llu,%llu]}",
                         l, dot, state, layer->n_outputs, (unsigned long long)offset, (unsigned long long)(offset + b));
            offset += b;
        }
    nnet__append(t, "}");
}

// The blocks of floats a file holds, in order: the parameters, then for a
// checkpoint the optimiser's moments.
static int nnet__file_blocks(const nnet *net, int checkpoint, const float *blocks[3]) {
    int n = 1;
    blocks[0] = net->parameters;
    if (checkpoint) {
        blocks[n++] = net->optimizer.first_moment;
        if (net->optimizer.kind != NNET_SGD) blocks[n++] = net->optimizer.second_moment;
    }
    return n;
}

static int nnet__save_to_memory(const nnet *net, void *buffer, size_t capacity, size_t *size, int checkpoint, const char *who) {
    unsigned char *out = (unsigned char *)buffer, bytes[4];
    const float *blocks[3];
    uint32_t crc = 0;
    size_t k, header, padded, total;
    int n_blocks, i;
    nnet__text text = {NULL, 0, 0, 0};
    if (size) *size = 0;
    if (!net || !size || !net->parameters)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s is NULL", who, !net ? "net" : !size ? "size" : "net->parameters");
    if (checkpoint && !net->gradients)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: a network built by nnet_init_static has no training state to save", who);
    if (checkpoint && net->optimizer.kind != NNET_SGD && !net->optimizer.second_moment)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: the optimiser is %s but has no second moment", who, nnet_optimizer_name(net->optimizer.kind));
    n_blocks = nnet__file_blocks(net, checkpoint, blocks);
    for (i = 0; i < n_blocks; i++)
        for (k = 0; k < net->n_parameters; k++) {
            if (!nnet__is_finite(blocks[i][k]))
                return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s %zu is %g; a model file holds finite numbers only",
                                  who, i ? "optimiser state" : "parameter", k, (double)blocks[i][k]);
            nnet__put_u32le(bytes, nnet__float_bits(blocks[i][k]));
            crc = nnet__crc32(crc, bytes, 4);
        }
    nnet__model_header(net, crc, checkpoint, &text);
    if (text.failed) return nnet__fail(NNET_ERR_ARGUMENT, "%s: could not format the header", who);
    header = text.len;
    padded = (header + 7) / 8 * 8;
    if (padded > NNET_MODEL_MAX_HEADER)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: the header would be %zu bytes, over the %u a loader accepts (too many or too long names?)",
                          who, padded, (unsigned)NNET_MODEL_MAX_HEADER);
    total = nnet__bytes(net->n_parameters, (size_t)n_blocks, 4);
    if (!total || total > SIZE_MAX - 8 - padded)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: %zu parameters do not fit in memory", who, net->n_parameters);
    total += 8 + padded;
    *size = total;
    if (!buffer) return NNET_OK;
    if (capacity < total)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: the buffer holds %zu bytes, the file needs %zu", who, capacity, total);
    nnet__put_u64le(out, (uint64_t)padded);
    text.buf = (char *)out + 8; text.cap = capacity - 8; text.len = 0;   // room for vsnprintf's NUL: data follows
    nnet__model_header(net, crc, checkpoint, &text);
    NNET_ASSERT(text.len == header);
    memset(out + 8 + header, ' ', padded - header);
    out += 8 + padded;
    for (i = 0; i < n_blocks; i++)
        for (k = 0; k < net->n_parameters; k++, out += 4) nnet__put_u32le(out, nnet__float_bits(blocks[i][k]));
    return NNET_OK;
}

NNETDEF int nnet_save_to_memory(const nnet *net, void *buffer, size_t capacity, size_t *size) {
    return nnet__save_to_memory(net, buffer, capacity, size, 0, "nnet_save_to_memory");
}

NNETDEF int nnet_save_checkpoint_to_memory(const nnet *net, void *buffer, size_t capacity, size_t *size) {
    return nnet__save_to_memory(net, buffer, capacity, size, 1, "nnet_save_checkpoint_to_memory");
}

// ---- Reading: a small JSON parser for the header.
// It reads the safetensors schema (an object of tensor objects plus a
// string-to-string __metadata__) directly, and skips any other value with an
// iterative scanner whose nesting is bounded, so no header can exhaust the
// stack. Strings must be valid UTF-8; keys must be unique at every level.
typedef struct nnet__tensor_info {
    char name[NNET__MODEL_MAX_NAME];
    char dtype[32];
    int n_dims;
    uint64_t shape[NNET__MODEL_MAX_DIMS];
    uint64_t begin, end;       // data_offsets, relative to the data section
} nnet__tensor_info;

typedef struct nnet__model_file {
    const char *who;                  // "nnet_load: 'path'" or the function name, for messages
    const unsigned char *data;        // the data section
    uint64_t data_size;
    int n_tensors, has_metadata, n_meta;
    nnet__tensor_info tensors[NNET__MODEL_MAX_TENSORS];
    char meta_key[NNET__MODEL_MAX_META][NNET__MODEL_MAX_NAME];
    char meta_value[NNET__MODEL_MAX_META][NNET__MODEL_MAX_NAME];
    int meta_long[NNET__MODEL_MAX_META];   // the value did not fit meta_value ...
    const char *meta_raw[NNET__MODEL_MAX_META];   // ... but is here, in the header, as a JSON string
    const char *header, *header_end;  // the JSON header
} nnet__model_file;

typedef struct nnet__json { const char *start, *p, *end; const char *who; } nnet__json;

static int nnet__json_fail(nnet__json *j, const char *what) {
    return nnet__fail(NNET_ERR_FORMAT, "%s: broken JSON header at byte %ld of the file: %s",
                      j->who, 8L + (long)(j->p - j->start), what);
}

static void nnet__json_space(nnet__json *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

// Expect one character (after white space).
static int nnet__json_expect(nnet__json *j, char c) {
    nnet__json_space(j);
    if (j->p < j->end && *j->p == c) { j->p++; return NNET_OK; }
    return nnet__fail(NNET_ERR_FORMAT, "%s: broken JSON header at byte %ld of the file: expected '%c', found %s",
                      j->who, 8L + (long)(j->p - j->start), c, j->p < j->end ? "another character" : "the end of the header");
}

// Whether the whole header is valid UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF), as a Rust str must be.
static int nnet__valid_utf8(const unsigned char *p, size_t n, size_t *bad) {
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        uint32_t cp;
        size_t k;
        if (!len || i + len > n) { *bad = i; return 0; }
        cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) { *bad = i; return 0; }
            cp = cp << 6 | (p[i + k] & 0x3Fu);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) { *bad = i; return 0; }
        i += len;
    }
    return 1;
}

static int nnet__hex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

// A JSON string, decoded into out (cap bytes with the NUL; out NULL only
// checks it). A decoded string that does not fit is an error unless
// `too_long` is given, which then is set and the string truncated. \u0000 is
// refused: names are C strings.
static int nnet__json_string(nnet__json *j, char *out, size_t cap, int *too_long) {
    size_t n = 0;
    if (too_long) *too_long = 0;
    nnet__json_space(j);
    if (j->p >= j->end || *j->p != '"') return nnet__json_fail(j, "expected a string");
    j->p++;
    for (;;) {
        char buf[4];
        size_t len = 1, k;
        unsigned char c;
        if (j->p >= j->end) return nnet__json_fail(j, "unterminated string");
        c = (unsigned char)*j->p;
        if (c == '"') { j->p++; break; }
        if (c < 0x20) return nnet__json_fail(j, "control character in a string");
        if (c != '\\') { buf[0] = (char)c; j->p++; }
        else {
            if (j->end - j->p < 2) return nnet__json_fail(j, "unterminated escape");
            switch (j->p[1]) {
            case '"': buf[0] = '"'; break;   case '\\': buf[0] = '\\'; break;
            case '/': buf[0] = '/'; break;   case 'b': buf[0] = '\b'; break;
            case 'f': buf[0] = '\f'; break;  case 'n': buf[0] = '\n'; break;
            case 'r': buf[0] = '\r'; break;  case 't': buf[0] = '\t'; break;
            case 'u': {
                uint32_t cp = 0;
                int d;
                if (j->end - j->p < 6) return nnet__json_fail(j, "short \\u escape");
                for (k = 2; k < 6; k++) {
                    if ((d = nnet__hex_digit(j->p[k])) < 0) return nnet__json_fail(j, "bad hex digit in a \\u escape");
                    cp = cp << 4 | (uint32_t)d;
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF) return nnet__json_fail(j, "lone low surrogate in a \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {   // a pair: \uD8xx\uDCxx
                    uint32_t low = 0;
                    if (j->end - j->p < 12 || j->p[6] != '\\' || j->p[7] != 'u')
                        return nnet__json_fail(j, "high surrogate without its low half");
                    for (k = 8; k < 12; k++) {
                        if ((d = nnet__hex_digit(j->p[k])) < 0) return nnet__json_fail(j, "bad hex digit in a \\u escape");
                        low = low << 4 | (uint32_t)d;
                    }
                    if (low < 0xDC00 || low > 0xDFFF) return nnet__json_fail(j, "high surrogate without its low half");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    j->p += 6;
                }
                if (cp == 0) return nnet__json_fail(j, "\\u0000 in a string");
                if (cp < 0x80) buf[0] = (char)cp;
                else if (cp < 0x800) { buf[0] = (char)(0xC0 | cp >> 6); buf[1] = (char)(0x80 | (cp & 0x3F)); len = 2; }
                else if (cp < 0x10000) {
                    buf[0] = (char)(0xE0 | cp >> 12); buf[1] = (char)(0x80 | (cp >> 6 & 0x3F));
                    buf[2] = (char)(0x80 | (cp & 0x3F)); len = 3;
                } else {
                    buf[0] = (char)(0xF0 | cp >> 18); buf[1] = (char)(0x80 | (cp >> 12 & 0x3F));
                    buf[2] = (char)(0x80 | (cp >> 6 & 0x3F)); buf[3] = (char)(0x80 | (cp & 0x3F)); len = 4;
                }
                j->p += 4;
                break;
            }
            default: return nnet__json_fail(j, "unknown escape in a string");
            }
            j->p += 2;
        }
        if (!out) continue;
        if (n + len >= cap) {
            if (!too_long) return nnet__json_fail(j, "string too long (names and metadata values hold 255 bytes)");
            *too_long = 1;
            continue;
        }
        for (k = 0; k < len; k++) out[n++] = buf[k];
    }
    if (out) out[n] = '\0';
    return NNET_OK;
}

// A non-negative integer (shape, offsets): digits only, no leading zeros.
static int nnet__json_uint(nnet__json *j, uint64_t *value) {
    uint64_t v = 0;
    nnet__json_space(j);
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return nnet__json_fail(j, "expected a non-negative integer");
    if (*j->p == '0' && j->p + 1 < j->end && j->p[1] >= '0' && j->p[1] <= '9')
        return nnet__json_fail(j, "leading zero in a number");
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        unsigned digit = (unsigned)(*j->p - '0');
        if (v > (UINT64_MAX - digit) / 10) return nnet__json_fail(j, "integer larger than 2^64 - 1");
        v = v * 10 + digit;
        j->p++;
    }
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
        return nnet__json_fail(j, "expected an integer, found a fraction or an exponent");
    *value = v;
    return NNET_OK;
}

// Any scalar: string, number (JSON grammar), true, false, null.
static int nnet__json_scalar(nnet__json *j) {
    const char *p;
    static const char *const words[3] = {"true", "false", "null"};
    int w;
    nnet__json_space(j);
    if (j->p >= j->end) return nnet__json_fail(j, "expected a value, found the end of the header");
    if (*j->p == '"') return nnet__json_string(j, NULL, 0, NULL);
    for (w = 0; w < 3; w++) {
        size_t len = strlen(words[w]);
        if ((size_t)(j->end - j->p) >= len && memcmp(j->p, words[w], len) == 0) { j->p += len; return NNET_OK; }
    }
    p = j->p;
    if (p < j->end && *p == '-') p++;
    if (p >= j->end || *p < '0' || *p > '9') return nnet__json_fail(j, "expected a value");
    if (*p == '0') p++;
    else while (p < j->end && *p >= '0' && *p <= '9') p++;
    if (p < j->end && *p == '.') {
        p++;
        if (p >= j->end || *p < '0' || *p > '9') { j->p = p; return nnet__json_fail(j, "expected a digit after '.'"); }
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-')) p++;
        if (p >= j->end || *p < '0' || *p > '9') { j->p = p; return nnet__json_fail(j, "expected a digit in the exponent"); }
        while (p < j->end && *p >= '0' && *p <= '9') p++;
    }
    j->p = p;
    return NNET_OK;
}

// Skip one value of any kind without recursion: a stack of the open brackets,
// at most NNET__JSON_MAX_DEPTH deep. (Keys inside skipped objects are not
// checked for duplicates: nnet never reads them.)
static int nnet__json_skip(nnet__json *j) {
    char open[NNET__JSON_MAX_DEPTH];
    int depth = 0, status;
    for (;;) {
        nnet__json_space(j);
        if (j->p >= j->end) return nnet__json_fail(j, "expected a value, found the end of the header");
        if (*j->p == '{' || *j->p == '[') {
            char c = *j->p++;
            if (depth == NNET__JSON_MAX_DEPTH) { j->p--; return nnet__json_fail(j, "values nested deeper than 64 levels"); }
            open[depth++] = c;
            nnet__json_space(j);
            if (j->p < j->end && *j->p == (c == '{' ? '}' : ']')) { j->p++; depth--; }
            else {
                if (c == '{' && ((status = nnet__json_string(j, NULL, 0, NULL)) || (status = nnet__json_expect(j, ':'))))
                    return status;
                continue;   // the first element
            }
        } else if ((status = nnet__json_scalar(j)) != NNET_OK) return status;
        // A value ended: close brackets until a ',' starts the next value.
        for (;;) {
            if (depth == 0) return NNET_OK;
            nnet__json_space(j);
            if (j->p >= j->end) return nnet__json_fail(j, "unclosed bracket at the end of the header");
            if (*j->p == ',') {
                j->p++;
                if (open[depth - 1] == '{' &&
                    ((status = nnet__json_string(j, NULL, 0, NULL)) || (status = nnet__json_expect(j, ':'))))
                    return status;
                break;
            }
            if (*j->p != (open[depth - 1] == '{' ? '}' : ']')) return nnet__json_fail(j, "expected ',' or a closing bracket");
            j->p++;
            depth--;
        }
    }
}

// "__metadata__": {"key": "value", ...}, or null.
static int nnet__json_metadata(nnet__json *j, nnet__model_file *f) {
    int status, i;
    nnet__json_space(j);
    if ((size_t)(j->end - j->p) >= 4 && memcmp(j->p, "null", 4) == 0) { j->p += 4; return NNET_OK; }
    if ((status = nnet__json_expect(j, '{')) != NNET_OK) return status;
    nnet__json_space(j);
    if (j->p < j->end && *j->p == '}') { j->p++; return NNET_OK; }
    for (;;) {
        char *key;
        if (f->n_meta == NNET__MODEL_MAX_META)
            return nnet__fail(NNET_ERR_FORMAT, "%s: more than %d __metadata__ entries", f->who, NNET__MODEL_MAX_META);
        key = f->meta_key[f->n_meta];
        if ((status = nnet__json_string(j, key, NNET__MODEL_MAX_NAME, NULL)) != NNET_OK) return status;
        for (i = 0; i < f->n_meta; i++)
            if (strcmp(f->meta_key[i], key) == 0)
                return nnet__fail(NNET_ERR_FORMAT, "%s: duplicate key \"%s\" in __metadata__", f->who, key);
        if ((status = nnet__json_expect(j, ':')) != NNET_OK) return status;
        nnet__json_space(j);
        if (j->p >= j->end || *j->p != '"')
            return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ value of \"%s\" is not a string (safetensors metadata maps strings to strings)",
                              f->who, key);
        f->meta_raw[f->n_meta] = j->p;
        if ((status = nnet__json_string(j, f->meta_value[f->n_meta], NNET__MODEL_MAX_NAME, &f->meta_long[f->n_meta])) != NNET_OK)
            return status;
        f->n_meta++;
        nnet__json_space(j);
        if (j->p < j->end && *j->p == '}') { j->p++; return NNET_OK; }
        if ((status = nnet__json_expect(j, ',')) != NNET_OK) return status;
    }
}

// [n, n, ...] of at most `max` non-negative integers; *count receives how many.
static int nnet__json_uints(nnet__json *j, uint64_t *values, int max, int *count, const char *what) {
    int status;
    *count = 0;
    if ((status = nnet__json_expect(j, '[')) != NNET_OK) return status;
    nnet__json_space(j);
    if (j->p < j->end && *j->p == ']') { j->p++; return NNET_OK; }
    for (;;) {
        if (*count == max) return nnet__json_fail(j, what);
        if ((status = nnet__json_uint(j, &values[(*count)++])) != NNET_OK) return status;
        nnet__json_space(j);
        if (j->p < j->end && *j->p == ']') { j->p++; return NNET_OK; }
        if ((status = nnet__json_expect(j, ',')) != NNET_OK) return status;
    }
}

// {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}; other keys skipped.
static int nnet__json_tensor(nnet__json *j, nnet__model_file *f, nnet__tensor_info *t) {
    char key[NNET__MODEL_MAX_NAME];
    int seen = 0, status, n;
    uint64_t offsets[2];
    nnet__json_space(j);
    if (j->p >= j->end || *j->p != '{')
        return nnet__fail(NNET_ERR_FORMAT, "%s: the value of tensor \"%s\" is not an object", f->who, t->name);
    j->p++;
    nnet__json_space(j);
    if (j->p < j->end && *j->p == '}') j->p++;
    else for (;;) {
        int bit;
        if ((status = nnet__json_string(j, key, sizeof key, NULL)) != NNET_OK) return status;
        if ((status = nnet__json_expect(j, ':')) != NNET_OK) return status;
        bit = strcmp(key, "dtype") == 0 ? 1 : strcmp(key, "shape") == 0 ? 2 : strcmp(key, "data_offsets") == 0 ? 4 : 0;
        if (bit & seen) return nnet__fail(NNET_ERR_FORMAT, "%s: duplicate key \"%s\" in tensor \"%s\"", f->who, key, t->name);
        seen |= bit;
        if (bit == 1) status = nnet__json_string(j, t->dtype, sizeof t->dtype, NULL);
        else if (bit == 2) status = nnet__json_uints(j, t->shape, NNET__MODEL_MAX_DIMS, &t->n_dims, "shape has more than 8 dimensions");
        else if (bit == 4) {
            status = nnet__json_uints(j, offsets, 2, &n, "data_offsets has more than 2 numbers");
            if (!status && n != 2) return nnet__json_fail(j, "data_offsets needs 2 numbers [begin, end]");
            t->begin = offsets[0]; t->end = offsets[1];
        } else status = nnet__json_skip(j);
        if (status) return status;
        nnet__json_space(j);
        if (j->p < j->end && *j->p == '}') { j->p++; break; }
        if ((status = nnet__json_expect(j, ',')) != NNET_OK) return status;
    }
    if (seen != 7)
        return nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" has no %s", f->who, t->name,
                          !(seen & 1) ? "dtype" : !(seen & 2) ? "shape" : "data_offsets");
    return NNET_OK;
}

// The whole header: one object, then nothing but the padding spaces.
static int nnet__json_header(nnet__json *j, nnet__model_file *f) {
    char key[NNET__MODEL_MAX_NAME];
    int status, i;
    if ((status = nnet__json_expect(j, '{')) != NNET_OK) return status;
    nnet__json_space(j);
    if (j->p < j->end && *j->p == '}') j->p++;
    else for (;;) {
        if ((status = nnet__json_string(j, key, sizeof key, NULL)) != NNET_OK) return status;
        if ((status = nnet__json_expect(j, ':')) != NNET_OK) return status;
        if (strcmp(key, "__metadata__") == 0) {
            if (f->has_metadata) return nnet__fail(NNET_ERR_FORMAT, "%s: duplicate key \"__metadata__\"", f->who);
            f->has_metadata = 1;
            status = nnet__json_metadata(j, f);
        } else {
            nnet__tensor_info *t;
            for (i = 0; i < f->n_tensors; i++)
                if (strcmp(f->tensors[i].name, key) == 0)
                    return nnet__fail(NNET_ERR_FORMAT, "%s: duplicate key: tensor \"%s\" appears twice", f->who, key);
            if (f->n_tensors == NNET__MODEL_MAX_TENSORS)
                return nnet__fail(NNET_ERR_FORMAT, "%s: more than %d tensors", f->who, NNET__MODEL_MAX_TENSORS);
            t = &f->tensors[f->n_tensors++];
            memcpy(t->name, key, sizeof key);
            status = nnet__json_tensor(j, f, t);
        }
        if (status) return status;
        nnet__json_space(j);
        if (j->p < j->end && *j->p == '}') { j->p++; break; }
        if ((status = nnet__json_expect(j, ',')) != NNET_OK) return status;
    }
    nnet__json_space(j);
    if (j->p != j->end) return nnet__json_fail(j, "characters after the closing '}'");
    return NNET_OK;
}

static const char *nnet__meta(const nnet__model_file *f, const char *key) {
    int i;
    for (i = 0; i < f->n_meta; i++) if (strcmp(f->meta_key[i], key) == 0) return f->meta_value[i];
    return NULL;
}

// What the first bytes of something that is not a model file are, for the
// message: a format known by its first bytes, text, or the bytes in hex.
static void nnet__describe_start(const unsigned char *p, size_t n, char *out, size_t cap) {
    static const struct { const char *magic; size_t length; const char *what; } known[] = {
        {"PK\3\4", 4, "a ZIP archive (PyTorch's torch.save writes these; save_file of the safetensors package "
                      "writes what nnet reads)"},
        {"\x1f\x8b", 2, "gzip data (gunzip it first)"},
        {"\x89PNG", 4, "a PNG image"},
        {"\xff\xd8\xff", 3, "a JPEG image"},
        {"\x89HDF", 4, "an HDF5 file (Keras writes these)"},
        {"\x7f" "ELF", 4, "a program (ELF)"}};
    size_t k, shown = n < 24 ? n : 24, used;
    int text = 1;
    for (k = 0; k < sizeof known / sizeof known[0]; k++)
        if (n >= known[k].length && memcmp(p, known[k].magic, known[k].length) == 0) {
            snprintf(out, cap, "%s", known[k].what);
            return;
        }
    if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] >= 0x08 && p[2] <= 0x0E && p[3] >= 1 && p[3] <= NNET_IDX_MAX_RANK) {
        snprintf(out, cap, "an IDX file (a dataset, not a model)");
        return;
    }
    for (k = 0; k < shown; k++) text &= (p[k] >= 0x20 && p[k] < 0x7F) || p[k] == '\t' || p[k] == '\n' || p[k] == '\r';
    used = (size_t)snprintf(out, cap, text ? "text \"" : "the bytes");
    for (k = 0; k < shown && used + 6 < cap; k++)
        used += (size_t)snprintf(out + used, cap - used, text ? (p[k] >= 0x20 ? "%c" : p[k] == '\n' ? "\\n" : "\\x%02x") : " %02x",
                                 (unsigned)p[k]);
    snprintf(out + used, cap - used, "%s%s", shown < n ? "..." : "", text ? "\"" : "");
}

// Split the bytes into header and data, parse the header and check every
// tensor's dtype, shape and offsets: each tensor's bytes are shape x 4, and
// sorted by offset they start at 0, touch without gap or overlap, and end
// exactly at the end of the data section.
static int nnet__model_parse(nnet__model_file *f, const unsigned char *bytes, size_t size) {
    uint64_t header;
    nnet__json j;
    size_t bad;
    int i, k, order[NNET__MODEL_MAX_TENSORS], status;
    if (!bytes && size) return nnet__fail(NNET_ERR_ARGUMENT, "%s: bytes is NULL", f->who);
    if (size == 0) return nnet__fail(NNET_ERR_FORMAT, "%s: the file is empty (0 bytes)", f->who);
    header = size >= 8 ? nnet__get_u64le(bytes) : 0;
    // Too short, or a header length no model file has and no '{' after it: something else.
    if (size < 8 || ((header > NNET_MODEL_MAX_HEADER || header > size - 8) && (size == 8 || bytes[8] != '{'))) {
        char found[160];
        nnet__describe_start(bytes, size, found, sizeof found);
        return nnet__fail(NNET_ERR_FORMAT, "%s: not a model file%s: expected the safetensors layout (an 8-byte header "
                          "length, then a JSON header starting with '{'), found %s", f->who,
                          size < 8 ? " (or one truncated: too short to hold the header length)" : "", found);
    }
    if (header > NNET_MODEL_MAX_HEADER)
        return nnet__fail(NNET_ERR_FORMAT, "%s: header length %llu is over the limit of %u bytes (100 MB)",
                          f->who, (unsigned long long)header, (unsigned)NNET_MODEL_MAX_HEADER);
    if (header > size - 8)
        return nnet__fail(NNET_ERR_FORMAT, "%s: header length %llu runs past the end of the file (%zu bytes follow the length; truncated?)",
                          f->who, (unsigned long long)header, size - 8);
    if (header == 0 || bytes[8] != '{')
        return nnet__fail(NNET_ERR_FORMAT, "%s: the header does not start with '{' (not a safetensors file?)", f->who);
    if (!nnet__valid_utf8(bytes + 8, (size_t)header, &bad))
        return nnet__fail(NNET_ERR_FORMAT, "%s: the header is not valid UTF-8 at byte %zu", f->who, 8 + bad);
    j.start = j.p = f->header = (const char *)bytes + 8;
    j.end = f->header_end = j.start + header;
    j.who = f->who;
    if ((status = nnet__json_header(&j, f)) != NNET_OK) return status;
    f->data = bytes + 8 + header;
    f->data_size = (uint64_t)(size - 8 - (size_t)header);
    if (f->n_tensors == 0) return nnet__fail(NNET_ERR_FORMAT, "%s: the header lists no tensors", f->who);
    for (i = 0; i < f->n_tensors; i++) {
        nnet__tensor_info *t = &f->tensors[i];
        uint64_t count = 1;
        if (strcmp(t->dtype, "F32") != 0)
            return nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" has dtype \"%s\"; nnet reads only F32 (float32)",
                              f->who, t->name, t->dtype);
        for (k = 0; k < t->n_dims; k++) {
            if (t->shape[k] && count > UINT64_MAX / 4 / t->shape[k])
                return nnet__fail(NNET_ERR_FORMAT, "%s: the shape of tensor \"%s\" overflows: its size in bytes exceeds 2^64",
                                  f->who, t->name);
            count *= t->shape[k];
        }
        if (t->end < t->begin)
            return nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" has data_offsets [%llu, %llu]: end before begin", f->who,
                              t->name, (unsigned long long)t->begin, (unsigned long long)t->end);
        if (t->end - t->begin != count * 4)
            return nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" has %llu floats (%llu bytes) by its shape, but its data_offsets [%llu, %llu] span %llu bytes",
                              f->who, t->name, (unsigned long long)count, (unsigned long long)(count * 4),
                              (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)(t->end - t->begin));
        order[i] = i;
    }
    for (i = 1; i < f->n_tensors; i++)   // insertion sort by begin (then end): at most 64 tensors
        for (k = i; k > 0; k--) {
            const nnet__tensor_info *a = &f->tensors[order[k - 1]], *b = &f->tensors[order[k]];
            int t;
            if (a->begin < b->begin || (a->begin == b->begin && a->end <= b->end)) break;
            t = order[k]; order[k] = order[k - 1]; order[k - 1] = t;
        }
    if (f->tensors[order[0]].begin != 0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: data_offsets must start at 0, but the first tensor (\"%s\") starts at byte %llu",
                          f->who, f->tensors[order[0]].name, (unsigned long long)f->tensors[order[0]].begin);
    for (i = 1; i < f->n_tensors; i++) {
        const nnet__tensor_info *a = &f->tensors[order[i - 1]], *b = &f->tensors[order[i]];
        if (b->begin < a->end)
            return nnet__fail(NNET_ERR_FORMAT, "%s: tensors \"%s\" [%llu, %llu] and \"%s\" [%llu, %llu] overlap",
                              f->who, a->name, (unsigned long long)a->begin, (unsigned long long)a->end,
                              b->name, (unsigned long long)b->begin, (unsigned long long)b->end);
        if (b->begin > a->end)
            return nnet__fail(NNET_ERR_FORMAT, "%s: a gap of %llu bytes between tensors \"%s\" (ends at %llu) and \"%s\" (starts at %llu)",
                              f->who, (unsigned long long)(b->begin - a->end), a->name, (unsigned long long)a->end,
                              b->name, (unsigned long long)b->begin);
    }
    {
        uint64_t covered = f->tensors[order[f->n_tensors - 1]].end;
        if (covered > f->data_size)
            return nnet__fail(NNET_ERR_FORMAT, "%s: the tensors need %llu bytes of data but the file has only %llu after the header (truncated?)",
                              f->who, (unsigned long long)covered, (unsigned long long)f->data_size);
        if (covered < f->data_size)
            return nnet__fail(NNET_ERR_FORMAT, "%s: %llu bytes of data after the last tensor: the data section is %llu bytes, the tensors cover %llu",
                              f->who, (unsigned long long)(f->data_size - covered), (unsigned long long)f->data_size,
                              (unsigned long long)covered);
    }
    // nnet's own files carry a CRC-32 of the data section: check it whenever present.
    {
        const char *crc_text = nnet__meta(f, "crc32");
        if (crc_text) {
            uint32_t crc = 0, expected = 0;
            int digits = 0, d;
            for (; digits < 9 && crc_text[digits]; digits++) {
                if ((d = nnet__hex_digit(crc_text[digits])) < 0) break;
                expected = expected << 4 | (uint32_t)d;
            }
            if (digits != 8 || crc_text[digits])
                return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ crc32 is \"%s\", expected 8 hex digits", f->who, crc_text);
            crc = nnet__crc32(0, f->data, (size_t)f->data_size);
            if (crc != expected)
                return nnet__fail(NNET_ERR_FORMAT, "%s: the CRC-32 of the data section is %08lx but the header says %s: the file is corrupted",
                                  f->who, (unsigned long)crc, crc_text);
        }
    }
    return NNET_OK;
}

// Decode a tensor's little-endian floats into out, refusing NaN and infinity.
static int nnet__model_floats(const nnet__model_file *f, const nnet__tensor_info *t, float *out) {
    size_t n = (size_t)((t->end - t->begin) / 4), k;
    const unsigned char *p = f->data + t->begin;
    for (k = 0; k < n; k++) {
        float x = nnet__bits_float(nnet__get_u32le(p + 4 * k));
        if (!nnet__is_finite(x))
            return nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" element %zu is %s; weights must be finite",
                              f->who, t->name, k, x != x ? "NaN" : "infinite (Inf)");
        out[k] = x;
    }
    return NNET_OK;
}

// Parse and check a file; NULL with *status set on failure. Free with nnet__free.
static nnet__model_file *nnet__model_open(const void *bytes, size_t size, const char *who, int *status) {
    nnet__model_file *f = (nnet__model_file *)nnet__alloc(sizeof(nnet__model_file), who);
    *status = NNET_ERR_MEMORY;
    if (!f) return NULL;
    memset(f, 0, sizeof *f);
    f->who = who;
    if ((*status = nnet__model_parse(f, (const unsigned char *)bytes, size)) != NNET_OK) { nnet__free(f); return NULL; }
    return f;
}

static const nnet__tensor_info *nnet__model_tensor(const nnet__model_file *f, const char *name) {
    int i;
    for (i = 0; i < f->n_tensors; i++) if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

// A metadata value whole into *text (NULL when the key is absent): from
// meta_value, or when it was longer, decoded again from the header into
// *owned, which the caller frees.
static int nnet__meta_text(const nnet__model_file *f, const char *key, const char **text, char **owned) {
    int i;
    *text = *owned = NULL;
    for (i = 0; i < f->n_meta; i++) {
        nnet__json j;
        size_t cap = (size_t)(f->header_end - f->meta_raw[i]);
        if (strcmp(f->meta_key[i], key) != 0) continue;
        if (!f->meta_long[i]) { *text = f->meta_value[i]; return NNET_OK; }
        if (!(*owned = (char *)nnet__alloc(cap, f->who))) return NNET_ERR_MEMORY;
        j.start = f->header; j.p = f->meta_raw[i]; j.end = f->header_end; j.who = f->who;
        if (nnet__json_string(&j, *owned, cap, NULL) != NNET_OK) { nnet__free(*owned); *owned = NULL; return NNET_ERR_FORMAT; }
        *text = *owned;
        return NNET_OK;
    }
    return NNET_OK;
}

// A metadata value: a list of `count` comma-separated items, each handed to
// `item` (which returns nonzero if the item is bad).
static int nnet__meta_list(const nnet__model_file *f, const char *key, int count, void *out,
                           int (*item)(const char *text, void *out, int index), const char *expected) {
    const char *value, *p;
    char *owned;
    int index = 0, status = nnet__meta_text(f, key, &value, &owned);
    if (status) return status;
    if (!value) return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ has no \"%s\"", f->who, key);
    for (p = value; index < count; index++) {
        char token[64];
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof token) break;
        memcpy(token, p, len); token[len] = '\0';
        if (item(token, out, index)) break;
        p += len;
        if (index + 1 < count) { if (*p != ',') { index++; break; } p++; }
    }
    if (index != count || *p)
        status = nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ %s is \"%.100s%s\", expected %d comma-separated %s",
                            f->who, key, value, strlen(value) > 100 ? "..." : "", count, expected);
    nnet__free(owned);
    return status;
}

// A whole decimal number in [1, NNET_MAX_DIM]: digits only.
static int nnet__parse_dim(const char *text, int *value) {
    long v = 0;
    if (!*text) return 1;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || v > NNET_MAX_DIM) return 1;
        v = v * 10 + (*text - '0');
    }
    if (v < 1 || v > NNET_MAX_DIM) return 1;
    *value = (int)v;
    return 0;
}

// A float written by nnet__format_float, read whatever the C locale.
static int nnet__parse_float(const char *text, float *value) {
    char copy[64], point = localeconv()->decimal_point[0], *end, *c;
    size_t len = strlen(text);
    if (len == 0 || len >= sizeof copy || strspn(text, "0123456789.eE+-") != len) return 1;
    memcpy(copy, text, len + 1);
    for (c = copy; *c; c++) if (*c == '.') *c = point;
    *value = strtof(copy, &end);
    return *end != '\0';
}

static int nnet__item_size(const char *text, void *out, int index) {
    return nnet__parse_dim(text, (int *)out + index);
}
static int nnet__item_activation(const char *text, void *out, int index) {
    int act = nnet_activation_from_name(text);
    ((nnet_activation *)out)[index] = act > 0 ? (nnet_activation)act : NNET_ACT_DEFAULT;
    return act <= 0;
}
static int nnet__item_number(const char *text, void *out, int index) {
    float x;
    if (nnet__parse_float(text, &x) || !nnet__is_finite(x)) return 1;
    ((float *)out)[index] = x;
    return 0;
}
static int nnet__item_stddev(const char *text, void *out, int index) {
    return nnet__item_number(text, out, index) || !(((float *)out)[index] >= 0.0f);
}
static int nnet__item_dropout(const char *text, void *out, int index) {
    float p;
    if (nnet__parse_float(text, &p) || !(p >= 0.0f && p < 1.0f)) return 1;
    ((float *)out)[index] = p;
    return 0;
}

// A whole number in [0, limit], digits only.
static int nnet__parse_count(const char *text, long long limit, long long *value) {
    long long v = 0;
    if (!text || !*text) return 1;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || v > limit / 10) return 1;
        v = v * 10 + (*text - '0');
    }
    if (v > limit) return 1;
    *value = v;
    return 0;
}

// The tensor `name` (with the optional state suffix) of layer l's weight or
// bias, checked to have the shape of that parameter; NULL with a message if not.
static const nnet__tensor_info *nnet__layer_tensor(const nnet__model_file *f, int l, int bias, const char *suffix,
                                                   uint64_t out, uint64_t in) {
    char name[NNET__MODEL_MAX_NAME];
    const nnet__tensor_info *t;
    snprintf(name, sizeof name, "layers.%d.%s%s%s", l, bias ? "bias" : "weight", *suffix ? "." : "", suffix);
    if (!(t = nnet__model_tensor(f, name))) {
        nnet__fail(NNET_ERR_FORMAT, "%s: tensor %s is missing", f->who, name);
        return NULL;
    }
    if (t->n_dims != (bias ? 1 : 2) || t->shape[0] != out || (!bias && t->shape[1] != in)) {
        if (bias)
            nnet__fail(NNET_ERR_FORMAT, "%s: shapes do not chain: %s is %d-D [%llu], expected 1-D [%llu] (the outputs of layer %d)",
                       f->who, name, t->n_dims, (unsigned long long)t->shape[0], (unsigned long long)out, l);
        else
            nnet__fail(NNET_ERR_FORMAT, "%s: shapes do not chain: %s is %d-D [%llu, %llu], expected 2-D [%llu, %llu] (%llu inputs -> %llu outputs)",
                       f->who, name, t->n_dims, (unsigned long long)t->shape[0],
                       (unsigned long long)(t->n_dims > 1 ? t->shape[1] : 0), (unsigned long long)out,
                       (unsigned long long)in, (unsigned long long)in, (unsigned long long)out);
        return NULL;
    }
    return t;
}

// What a file holds besides the network: for a checkpoint, the training
// position and which optimiser's moments.
typedef struct nnet__file_state {
    int checkpoint, epoch, rng_seeded;
    nnet_optimizer_kind optimizer;
    long long steps;
    nnet_rng rng;
} nnet__file_state;

// The network the metadata describes, checked against the tensors: every
// layer's weight and bias (and for a checkpoint their moments) are there,
// with the shapes the sizes give, and nothing else is.
static int nnet__model_desc(const nnet__model_file *f, nnet_desc *d, nnet__file_state *st) {
    const char *format = nnet__meta(f, "format"), *version = nnet__meta(f, "format_version"), *text;
    int l, loss, block, blocks, v2;
    long long value;
    memset(d, 0, sizeof *d);
    memset(st, 0, sizeof *st);
    if (!f->has_metadata || f->n_meta == 0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: no __metadata__: not written by nnet_save (to load bare weights, e.g. from PyTorch, create the network and call nnet_load_weights)",
                          f->who);
    if (!format || strcmp(format, "nnet") != 0)
        return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ format is \"%s\", expected \"nnet\" (to load bare weights, create the network and call nnet_load_weights)",
                          f->who, format ? format : "(missing)");
    if (!version || (strcmp(version, "1") != 0 && strcmp(version, "2") != 0))
        return nnet__fail(NNET_ERR_FORMAT, "%s: model format_version is \"%s\" but this nnet.h (%s) reads versions 1 and %d. HINT: a newer nnet.h wrote it; "
                          "load it with that version, or read its weights with nnet_load_weights into a network of the same shape",
                          f->who, version ? version : "(missing)", NNET_VERSION_STRING, NNET_MODEL_FORMAT_VERSION);
    v2 = version[0] == '2';
    text = nnet__meta(f, "n_layers");
    if (!text || nnet__parse_dim(text, &d->n_layers) || d->n_layers > NNET_MAX_LAYERS)
        return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ n_layers (the layer count) is \"%s\", expected 1..%d (NNET_MAX_LAYERS)",
                          f->who, text ? text : "(missing)", NNET_MAX_LAYERS);
    text = nnet__meta(f, "n_inputs");
    if (!text || nnet__parse_dim(text, &d->n_inputs))
        return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ n_inputs is \"%s\", expected 1..%d", f->who, text ? text : "(missing)", NNET_MAX_DIM);
    if (nnet__meta_list(f, "sizes", d->n_layers, d->sizes, nnet__item_size, "layer sizes (whole numbers >= 1)") ||
        nnet__meta_list(f, "activations", d->n_layers, d->activations, nnet__item_activation,
                        "activation names (identity, sigmoid, tanh, relu, leaky_relu, softmax)") ||
        nnet__meta_list(f, "dropout", d->n_layers, d->dropout, nnet__item_dropout, "dropout rates in [0, 1)"))
        return NNET_ERR_FORMAT;
    text = nnet__meta(f, "loss");
    loss = nnet_loss_from_name(text);
    if (loss <= 0 || (!v2 && loss > NNET_LOSS_MSE))
        return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ loss is \"%s\", expected ce, bce or mse%s", f->who,
                          text ? text : "(missing)", v2 ? ", mae or huber" : " (format_version 1)");
    d->loss = (nnet_loss)loss;
    text = nnet__meta(f, "leaky_slope");
    if (!text || nnet__parse_float(text, &d->leaky_slope) || !(d->leaky_slope >= 0.0f && d->leaky_slope < 1.0f))
        return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ leaky_slope is \"%s\", expected a number in [0, 1)", f->who, text ? text : "(missing)");
    text = nnet__meta(f, "huber_delta");
    if (v2 && (!text || nnet__parse_float(text, &d->huber_delta) || !(d->huber_delta > 0.0f) || !nnet__is_finite(d->huber_delta)))
        return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ huber_delta is \"%s\", expected a finite number > 0", f->who, text ? text : "(missing)");
    if (!nnet__meta(f, "crc32")) return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ has no crc32", f->who);
    // A checkpoint: the training position and the optimiser.
    text = nnet__meta(f, "optimizer");
    if (text) {
        int kind = nnet_optimizer_from_name(text);
        st->checkpoint = 1;
        if (kind < 0) return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ optimizer is \"%s\", expected sgd, adam or adamw", f->who, text);
        st->optimizer = (nnet_optimizer_kind)kind;
        text = nnet__meta(f, "epoch");
        if (nnet__parse_count(text, INT32_MAX, &value))
            return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ epoch is \"%s\", expected a whole number >= 0", f->who, text ? text : "(missing)");
        st->epoch = (int)value;
        text = nnet__meta(f, "optimizer_steps");
        if (nnet__parse_count(text, INT64_MAX / 2, &st->steps))
            return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ optimizer_steps is \"%s\", expected a whole number >= 0", f->who, text ? text : "(missing)");
        text = nnet__meta(f, "rng");
        if (text) {
            int k, digit;
            for (k = 0; k < 64 && (digit = nnet__hex_digit(text[k])) >= 0; k++)
                st->rng.s[k / 16] = st->rng.s[k / 16] << 4 | (uint64_t)digit;
            if (k != 64 || text[64])
                return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ rng is \"%s\", expected 64 hex digits", f->who, text);
            st->rng_seeded = 1;
        }
    }
    blocks = st->checkpoint ? 1 + nnet__state_blocks(st->optimizer) : 1;
    if (f->n_tensors != 2 * d->n_layers * blocks)
        return nnet__fail(NNET_ERR_FORMAT, "%s: %d tensors for %d layers, expected layers.N.weight and layers.N.bias for each%s",
                          f->who, f->n_tensors, d->n_layers, !st->checkpoint ? "" : st->optimizer == NNET_SGD
                          ? ", and their .momentum_buffer (an SGD checkpoint)" : ", and their .exp_avg and .exp_avg_sq (an Adam checkpoint)");
    for (block = 0; block < blocks; block++)
        for (l = 0; l < d->n_layers; l++) {
            uint64_t in = (uint64_t)(l ? d->sizes[l - 1] : d->n_inputs), out = (uint64_t)d->sizes[l];
            const char *suffix = block ? nnet__state_name(st->optimizer, block - 1) : "";
            if (!nnet__layer_tensor(f, l, 0, suffix, out, in) || !nnet__layer_tensor(f, l, 1, suffix, out, in))
                return NNET_ERR_FORMAT;
        }
    return NNET_OK;
}

// A metadata value holding a JSON array of strings, as nnet__append_names
// writes it: into *list, one block (the pointers, then the text), and *count.
// *list stays NULL when the key is absent.
static int nnet__meta_names(const nnet__model_file *f, const char *key, char ***list, int *count) {
    const char *text;
    char *owned, *at = NULL;
    size_t length;
    int status = nnet__meta_text(f, key, &text, &owned), pass, n = 0;
    *list = NULL;
    *count = 0;
    if (status || !text) return status;
    length = strlen(text);
    for (pass = 0; pass < 2 && status == NNET_OK; pass++) {   // count, then copy
        nnet__json j;
        j.start = j.p = text; j.end = text + length; j.who = f->who;
        n = 0;
        if ((status = nnet__json_expect(&j, '[')) != NNET_OK) break;
        nnet__json_space(&j);
        if (j.p < j.end && *j.p == ']') j.p++;
        else for (;;) {
            if (n == NNET_MAX_DIM) { status = NNET_ERR_FORMAT; break; }
            if (pass) {
                (*list)[n] = at;
                if ((status = nnet__json_string(&j, at, length + 1 - (size_t)(at - (char *)(*list + *count)), NULL)) != NNET_OK) break;
                at += strlen(at) + 1;
            } else if ((status = nnet__json_string(&j, NULL, 0, NULL)) != NNET_OK) break;
            n++;
            nnet__json_space(&j);
            if (j.p < j.end && *j.p == ']') { j.p++; break; }
            if ((status = nnet__json_expect(&j, ',')) != NNET_OK) break;
        }
        nnet__json_space(&j);
        if (status == NNET_OK && j.p != j.end) status = NNET_ERR_FORMAT;
        if (status == NNET_OK && pass == 0) {
            if (!(*list = (char **)nnet__alloc((size_t)n * sizeof(char *) + length + 1, f->who))) status = NNET_ERR_MEMORY;
            else at = (char *)(*list + n);
            *count = n;
        }
    }
    nnet__free(owned);
    if (status == NNET_OK) return NNET_OK;
    nnet__free(*list);
    *list = NULL;
    *count = 0;
    if (status == NNET_ERR_MEMORY) return status;
    return nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ %s is not a JSON array of at most %d strings, as [\"a\",\"b\"]",
                      f->who, key, NNET_MAX_DIM);
}

// What the file holds besides the network, when it holds it: the
// standardisation statistics and the names (section 11), checked and set.
static int nnet__model_extras(const nnet__model_file *f, nnet *net) {
    static const char *const keys[4] = {"input_mean", "input_stddev", "target_mean", "target_stddev"};
    static const char *const name_keys[3] = {"input_names", "target_names", "class_names"};
    int I = net->n_inputs, O = nnet_output_size(net), sizes[2], k, status = NNET_OK, counts[3], expected;
    float *statistics = NULL, *at[4] = {NULL, NULL, NULL, NULL};
    char **names[3] = {NULL, NULL, NULL};
    sizes[0] = I; sizes[1] = O;
    for (k = 0; k < 4; k++) if (nnet__meta(f, keys[k])) break;
    if (k < 4) {   // some statistics: both of each pair or neither
        if (!(statistics = (float *)nnet__alloc(2 * ((size_t)I + (size_t)O) * sizeof(float), f->who))) return NNET_ERR_MEMORY;
        at[0] = statistics; at[1] = at[0] + I; at[2] = at[1] + I; at[3] = at[2] + O;
        for (k = 0; k < 4 && status == NNET_OK; k += 2) {
            if (!nnet__meta(f, keys[k]) && !nnet__meta(f, keys[k + 1])) { at[k] = at[k + 1] = NULL; continue; }
            status = nnet__meta_list(f, keys[k], sizes[k / 2], at[k], nnet__item_number, "finite numbers");
            if (status == NNET_OK)
                status = nnet__meta_list(f, keys[k + 1], sizes[k / 2], at[k + 1], nnet__item_stddev, "finite numbers >= 0");
        }
    }
    for (k = 0; k < 3 && status == NNET_OK; k++) {
        status = nnet__meta_names(f, name_keys[k], &names[k], &counts[k]);
        expected = k == 0 ? I : k == 2 ? (O == 1 ? 2 : O) : counts[k] > 0 ? counts[k] : 1;
        if (status == NNET_OK && names[k] && counts[k] != expected)
            status = nnet__fail(NNET_ERR_FORMAT, "%s: __metadata__ %s holds %d names, expected %d%s", f->who, name_keys[k],
                                counts[k], expected, k == 0 ? " (one per input)" : k == 2 ? " (one per class)" : " or more");
    }
    if (status == NNET_OK && statistics) status = nnet_set_standardization(net, at[0], at[1], at[2], at[3]);
    if (status == NNET_OK && (names[0] || names[1] || names[2]))
        status = nnet_set_names(net, (const char *const *)names[0], (const char *const *)names[1], counts[1],
                                (const char *const *)names[2], counts[2]);
    nnet__free(statistics);
    for (k = 0; k < 3; k++) nnet__free(names[k]);
    return status;
}

// Decode layer l's weight and bias (or their state `suffix`) into the
// block laid out as the network's parameters.
static int nnet__load_layer(const nnet__model_file *f, const nnet *net, int l, const char *suffix, float *block) {
    const nnet_layer *layer = &net->layers[l];
    const nnet__tensor_info *w = nnet__layer_tensor(f, l, 0, suffix, (uint64_t)layer->n_outputs, (uint64_t)layer->n_inputs);
    const nnet__tensor_info *b = nnet__layer_tensor(f, l, 1, suffix, (uint64_t)layer->n_outputs, (uint64_t)layer->n_inputs);
    if (!w || !b) return NNET_ERR_FORMAT;
    if (nnet__model_floats(f, w, block + (layer->weight.data - net->parameters))) return NNET_ERR_FORMAT;
    return nnet__model_floats(f, b, block + (layer->bias - net->parameters));
}

static nnet *nnet__load(const void *bytes, size_t size, const char *who) {
    int l, status = NNET_OK;
    nnet__model_file *f = nnet__model_open(bytes, size, who, &status);
    nnet__file_state st;
    nnet_desc desc;
    nnet *net;
    if (!f) return NULL;
    if (nnet__model_desc(f, &desc, &st) != NNET_OK) { nnet__free(f); return NULL; }
    net = nnet__create(&desc, 0, who);   // no initial weights: the file's replace them
    if (!net) {
        char reason[sizeof nnet__message];
        memcpy(reason, nnet__message, sizeof reason);
        nnet__fail(NNET_ERR_FORMAT, "%s: the __metadata__ describes a network nnet_create refuses: %s", who, reason);
        nnet__free(f);
        return NULL;
    }
    if (st.checkpoint && st.optimizer != NNET_SGD) {
        net->optimizer.second_moment = (float *)nnet__alloc(net->n_parameters * sizeof(float), who);
        if (!net->optimizer.second_moment) status = NNET_ERR_MEMORY;
    }
    for (l = 0; l < net->n_layers && status == NNET_OK; l++) {
        status = nnet__load_layer(f, net, l, "", net->parameters);
        if (status == NNET_OK && st.checkpoint)
            status = nnet__load_layer(f, net, l, nnet__state_name(st.optimizer, 0), net->optimizer.first_moment);
        if (status == NNET_OK && st.checkpoint && st.optimizer != NNET_SGD)
            status = nnet__load_layer(f, net, l, nnet__state_name(st.optimizer, 1), net->optimizer.second_moment);
    }
    if (status == NNET_OK) status = nnet__model_extras(f, net);
    nnet__free(f);
    if (status != NNET_OK) { nnet_free(net); return NULL; }
    if (st.checkpoint) {
        net->epoch = st.epoch;
        net->optimizer.kind = st.optimizer;
        net->optimizer.steps = st.steps;
        net->rng = st.rng;
        net->internal.rng_seeded = st.rng_seeded;
    }
    return net;
}

NNETDEF nnet *nnet_load_from_memory(const void *bytes, size_t size) {
    return nnet__load(bytes, size, "nnet_load_from_memory");
}

// Natural order: runs of digits compare as numbers, so "layers.10" follows
// "layers.9" and "10.weight" follows "2.weight".
static int nnet__natural_compare(const char *a, const char *b) {
    while (*a && *b) {
        if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
            const char *ea = a, *eb = b;
            size_t la, lb;
            int c;
            while (*a == '0' && a[1] >= '0' && a[1] <= '9') a++;
            while (*b == '0' && b[1] >= '0' && b[1] <= '9') b++;
            for (ea = a; *ea >= '0' && *ea <= '9'; ea++) {}
            for (eb = b; *eb >= '0' && *eb <= '9'; eb++) {}
            la = (size_t)(ea - a); lb = (size_t)(eb - b);
            if (la != lb) return la < lb ? -1 : 1;
            if ((c = memcmp(a, b, la)) != 0) return c;
            a = ea; b = eb;
        } else {
            if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++; b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}

// The prefix of a "<prefix>weight" or "<prefix>bias" name ("0." of "0.weight"):
// its length, and which of the two it is (1 weight, 2 bias, 0 neither).
static int nnet__linear_part(const char *name, size_t *prefix) {
    size_t n = strlen(name);
    if (n >= 6 && strcmp(name + n - 6, "weight") == 0 && (n == 6 || name[n - 7] == '.')) { *prefix = n - 6; return 1; }
    if (n >= 4 && strcmp(name + n - 4, "bias") == 0 && (n == 4 || name[n - 5] == '.')) { *prefix = n - 4; return 2; }
    return 0;
}

static int nnet__load_weights(nnet *net, const void *bytes, size_t size, const char *who) {
    nnet__model_file *f;
    int order[NNET__MODEL_MAX_TENSORS], pairs[NNET_MAX_LAYERS][2], n_pairs = 0, n, i, k, status = NNET_OK;
    float *staged;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "%s: net is NULL", who);
    if (net->internal.borrowed) return nnet__fail(NNET_ERR_ARGUMENT, "%s: a network built by nnet_init_static has read-only parameters", who);
    if (!(f = nnet__model_open(bytes, size, who, &status))) return status;
    // A checkpoint's optimiser state (".momentum_buffer", ".exp_avg",
    // ".exp_avg_sq" after a weight or bias) is not weights: leave it out.
    for (i = 0, n = 0; i < f->n_tensors; i++) {
        const char *dot = strrchr(f->tensors[i].name, '.');
        if (!dot || (strcmp(dot, ".momentum_buffer") && strcmp(dot, ".exp_avg") && strcmp(dot, ".exp_avg_sq"))) order[n++] = i;
    }
    for (i = 1; i < n; i++)
        for (k = i; k > 0 && nnet__natural_compare(f->tensors[order[k - 1]].name, f->tensors[order[k]].name) > 0; k--) {
            int t = order[k]; order[k] = order[k - 1]; order[k - 1] = t;
        }
    // Group the sorted names by prefix: each group is one Linear layer.
    for (i = 0; i < n && status == NNET_OK; i++) {
        const char *name = f->tensors[order[i]].name;
        size_t prefix, other;
        int part = nnet__linear_part(name, &prefix);
        if (!part) {
            status = nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" is neither a weight nor a bias; only Linear layers (NAME.weight, NAME.bias) can be loaded",
                                who, name);
            break;
        }
        if (n_pairs > 0) {
            const char *first = f->tensors[pairs[n_pairs - 1][pairs[n_pairs - 1][0] < 0 ? 1 : 0]].name;
            if (nnet__linear_part(first, &other) && other == prefix && strncmp(first, name, prefix) == 0) {
                pairs[n_pairs - 1][part - 1] = order[i];   // the other half (duplicate names are already refused)
                continue;
            }
        }
        if (n_pairs == NNET_MAX_LAYERS) {
            status = nnet__fail(NNET_ERR_FORMAT, "%s: more than %d layers in the file", who, NNET_MAX_LAYERS);
            break;
        }
        pairs[n_pairs][0] = pairs[n_pairs][1] = -1;
        pairs[n_pairs++][part - 1] = order[i];
    }
    if (status == NNET_OK && n_pairs != net->n_layers)
        status = nnet__fail(NNET_ERR_FORMAT, "%s: the file has %d Linear layers, the network has %d", who, n_pairs, net->n_layers);
    for (i = 0; i < n_pairs && status == NNET_OK; i++) {
        const nnet_layer *layer = &net->layers[i];
        const nnet__tensor_info *w, *b;
        if (pairs[i][0] < 0 || pairs[i][1] < 0) {
            status = nnet__fail(NNET_ERR_FORMAT, "%s: tensor \"%s\" has no matching %s", who,
                                f->tensors[pairs[i][0] < 0 ? pairs[i][1] : pairs[i][0]].name, pairs[i][0] < 0 ? "weight" : "bias");
            break;
        }
        w = &f->tensors[pairs[i][0]]; b = &f->tensors[pairs[i][1]];
        if (w->n_dims != 2 || b->n_dims != 1 || w->shape[0] != (uint64_t)layer->n_outputs ||
            w->shape[1] != (uint64_t)layer->n_inputs || b->shape[0] != (uint64_t)layer->n_outputs)
            status = nnet__fail(NNET_ERR_FORMAT, "%s: layer %d: \"%s\" (%d-D, [%llu, %llu]) and \"%s\" (%d-D, [%llu]) do not fit the network's weight [%d, %d] and bias [%d]",
                                who, i, w->name, w->n_dims, (unsigned long long)w->shape[0],
                                (unsigned long long)(w->n_dims > 1 ? w->shape[1] : 0), b->name, b->n_dims,
                                (unsigned long long)b->shape[0], layer->n_outputs, layer->n_inputs, layer->n_outputs);
    }
    if (status != NNET_OK) { nnet__free(f); return status; }
    // Decode everything before touching the network, so a NaN leaves it unchanged.
    staged = (float *)nnet__alloc(net->n_parameters * sizeof(float), who);
    if (!staged) { nnet__free(f); return NNET_ERR_MEMORY; }
    for (i = 0; i < n_pairs && status == NNET_OK; i++) {
        size_t offset = (size_t)(net->layers[i].weight.data - net->parameters);
        status = nnet__model_floats(f, &f->tensors[pairs[i][0]], staged + offset);
        if (status == NNET_OK)
            status = nnet__model_floats(f, &f->tensors[pairs[i][1]], staged + (net->layers[i].bias - net->parameters));
    }
    if (status == NNET_OK) memcpy(net->parameters, staged, net->n_parameters * sizeof(float));
    nnet__free(staged);
    nnet__free(f);
    return status;
}

NNETDEF int nnet_load_weights_from_memory(nnet *net, const void *bytes, size_t size) {
    return nnet__load_weights(net, bytes, size, "nnet_load_weights_from_memory");
}

NNETDEF int nnet_init_static(nnet *net, const nnet_desc *desc, const float *parameters) {
    if (!net || !desc || !parameters)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_init_static: %s is NULL", !net ? "net" : !desc ? "desc" : "parameters");
    if (nnet__check_desc(desc, "nnet_init_static") != NNET_OK || !nnet__parameter_count(desc, "nnet_init_static"))
        return NNET_ERR_ARGUMENT;
    memset(net, 0, sizeof *net);
    net->internal.borrowed = 1;
    net->n_parameters = nnet__parameter_count(desc, "nnet_init_static");
    // The network only reads its parameters (no gradients, no training), so
    // the caller's const array is used in place.
    return nnet__layout(net, desc, (float *)parameters, NULL, "nnet_init_static");
}

#ifndef NNET_NO_STDIO
#ifdef NNET__POSIX_FILES
// The file a save replaces: path itself, or when path is a symbolic link the
// file it leads to (through up to 40 links; a relative link is relative to
// the link's directory), so that the link stays a link and its target gets
// the new contents. NULL, with the message set, on a loop or without memory.
static char *nnet__save_target(const char *path, const char *who) {
    char link[4096], *target = (char *)nnet__alloc(strlen(path) + 1, who), *next;
    int hops;
    if (!target) return NULL;
    strcpy(target, path);
    for (hops = 0;; hops++) {
        long n = (long)readlink(target, link, sizeof link);
        size_t directory = 0;
        if (n < 0) return target;   // not a link, or nothing there yet: the file itself
        if (hops == 40 || (size_t)n == sizeof link) {
            nnet__fail(NNET_ERR_IO, "%s: could not follow the symbolic link '%s': %s", who, target,
                       hops == 40 ? "more than 40 links in a row (a loop?)" : "its target is too long");
            nnet__free(target);
            return NULL;
        }
        if (link[0] != '/' && strrchr(target, '/')) directory = (size_t)(strrchr(target, '/') - target) + 1;
        if (!(next = (char *)nnet__alloc(directory + (size_t)n + 1, who))) { nnet__free(target); return NULL; }
        memcpy(next, target, directory);
        memcpy(next + directory, link, (size_t)n);
        next[directory + (size_t)n] = '\0';
        nnet__free(target);
        target = next;
    }
}

// Flush a directory's entries to disk (after a rename in it). NNET_OK also
// where the file system cannot do it (EINVAL).
static int nnet__sync_directory(const char *file, const char *who) {
    const char *slash = strrchr(file, '/');
    size_t length = slash ? (slash == file ? 1 : (size_t)(slash - file)) : 1;
    char *directory = (char *)nnet__alloc(length + 1, who);
    int fd, error = 0;
    if (!directory) return NNET_ERR_MEMORY;
    memcpy(directory, slash ? file : ".", length);
    directory[length] = '\0';
    if ((fd = open(directory, O_RDONLY)) < 0 || fsync(fd) != 0) error = errno;
    if (fd >= 0) close(fd);
    if (error && error != EINVAL)
        nnet__fail(NNET_ERR_IO, "%s: '%s' was written, but its directory '%s' could not be flushed to disk (%s), so "
                   "the new file may not survive a power failure", who, file, directory, strerror(error));
    nnet__free(directory);
    return error && error != EINVAL ? NNET_ERR_IO : NNET_OK;
}
#endif

// Write bytes to path atomically: a new temporary file next to the file,
// written, flushed and fsync'ed, then renamed over it (rename is atomic on
// POSIX), and the directory flushed. On any failure the temporary file is
// removed and the file is untouched. On POSIX, a path that leads to anything
// but a regular file (a device, FIFO, socket or directory) is refused; a
// symbolic link is followed, and the file it leads to is replaced; an
// existing file keeps its permission bits. only_check: stop after creating
// (and removing) the temporary file, to learn whether a save could succeed.
static int nnet__write_atomic(const char *path, const void *bytes, size_t size, int only_check, const char *who) {
    char *temp;
    int error = 0;
    const char *step = "";
#ifdef NNET__POSIX_FILES
    const unsigned char *p = (const unsigned char *)bytes;
    char *target = nnet__save_target(path, who);
    struct stat existing;
    size_t done = 0;
    int fd = -1, attempt, exists;
    if (!target) return NNET_ERR_IO;
    exists = stat(target, &existing) == 0;
    if (exists && !S_ISREG(existing.st_mode)) {
        if (strcmp(target, path) != 0)
            nnet__fail(NNET_ERR_IO, "%s: the link '%s' leads to '%s', which is %s; a save replaces only a regular file, "
                       "so nothing was written", who, path, target, nnet__file_kind(existing.st_mode));
        else
            nnet__fail(NNET_ERR_IO, "%s: '%s' is %s; a save replaces only a regular file, so nothing was written",
                       who, path, nnet__file_kind(existing.st_mode));
        nnet__free(target);
        return NNET_ERR_IO;
    }
    if (!(temp = (char *)nnet__alloc(strlen(target) + 40, who))) { nnet__free(target); return NNET_ERR_MEMORY; }
    for (attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(temp, strlen(target) + 40, "%s.tmp-%ld-%d", target, (long)getpid(), attempt);
        fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        error = errno;
        nnet__fail(NNET_ERR_IO, "%s: could not create a temporary file next to '%s': %s", who, target, strerror(error));
        nnet__free(temp);
        nnet__free(target);
        return NNET_ERR_IO;
    }
    while (!only_check && done < size) {
        size_t chunk = size - done > ((size_t)1 << 30) ? (size_t)1 << 30 : size - done;
        long w = (long)write(fd, p + done, chunk);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { error = w < 0 ? errno : EIO; step = "write"; break; }
        done += (size_t)w;
    }
    if (!error && !only_check && fsync(fd) != 0) { error = errno; step = "fsync"; }
    if (close(fd) != 0 && !error) { error = errno; step = "close"; }
    if (!error && exists && chmod(temp, existing.st_mode & 07777) != 0) { error = errno; step = "keep the permissions of"; }
    if (!error && !only_check && rename(temp, target) != 0) { error = errno; step = "rename"; }
    if (error || only_check) unlink(temp);
#else
    FILE *file;
    size_t cap = strlen(path) + 40;
    const char *target = path;
    if (!(temp = (char *)nnet__alloc(cap, who))) return NNET_ERR_MEMORY;
    snprintf(temp, cap, "%s.tmp", path);
    errno = 0;
    file = fopen(temp, "wb");
    if (!file) { error = errno ? errno : EIO; step = "create"; }
    else {
        if (!only_check && (fwrite(bytes, 1, size, file) != size || fflush(file) != 0)) { error = errno ? errno : EIO; step = "write"; }
        if (fclose(file) != 0 && !error) { error = errno ? errno : EIO; step = "close"; }
        // rename does not replace an existing file everywhere (Windows):
        // then remove the old one first, which is not atomic.
        if (!error && !only_check && rename(temp, path) != 0 && (remove(path), rename(temp, path) != 0)) {
            error = errno ? errno : EIO;
            step = "rename";
        }
        if (error || only_check) remove(temp);
    }
#endif
    if (error)
        nnet__fail(NNET_ERR_IO, "%s: could not %s '%s' (via %s): %s; any previous file at that path is unchanged",
                   who, step, target, temp, strerror(error));
    nnet__free(temp);
#ifdef NNET__POSIX_FILES
    if (!error && !only_check && nnet__sync_directory(target, who) != NNET_OK) error = EIO;
    nnet__free(target);
#endif
    return error ? NNET_ERR_IO : NNET_OK;
}

// The model file (or checkpoint) in memory, then written atomically.
static int nnet__save(const nnet *net, const char *path, int checkpoint, const char *who) {
    size_t size;
    unsigned char *bytes;
    int status;
    if (!path) return nnet__fail(NNET_ERR_ARGUMENT, "%s: path is NULL", who);
    if ((status = nnet__save_to_memory(net, NULL, 0, &size, checkpoint, who)) != NNET_OK) return status;
    if (!(bytes = (unsigned char *)nnet__alloc(size, who))) return NNET_ERR_MEMORY;
    status = nnet__save_to_memory(net, bytes, size, &size, checkpoint, who);
    if (status == NNET_OK) status = nnet__write_atomic(path, bytes, size, 0, who);
    nnet__free(bytes);
    return status;
}

NNETDEF int nnet_save(const nnet *net, const char *path) { return nnet__save(net, path, 0, "nnet_save"); }

NNETDEF int nnet_save_checkpoint(const nnet *net, const char *path) { return nnet__save(net, path, 1, "nnet_save_checkpoint"); }

NNETDEF int nnet_save_check(const char *path) {
    if (!path) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_save_check: path is NULL");
    return nnet__write_atomic(path, NULL, 0, 1, "nnet_save_check");
}

// "nnet_load: 'path'" for messages; long paths are cut.
static void nnet__who(char *who, size_t cap, const char *function, const char *path) {
    snprintf(who, cap, "%s: '%.200s'", function, path);
}

NNETDEF nnet *nnet_load(const char *path) {
    char who[300];
    size_t size;
    unsigned char *bytes;
    nnet *net;
    if (nnet__read_file(path, "nnet_load", NNET_MODEL_MAX_FILE, &bytes, &size) != NNET_OK) return NULL;
    nnet__who(who, sizeof who, "nnet_load", path);
    net = nnet__load(bytes, size, who);
    nnet__free(bytes);
    return net;
}

NNETDEF int nnet_load_weights(nnet *net, const char *path) {
    char who[300];
    size_t size;
    unsigned char *bytes;
    int status;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_load_weights: net is NULL");
    if ((status = nnet__read_file(path, "nnet_load_weights", NNET_MODEL_MAX_FILE, &bytes, &size)) != NNET_OK) return status;
    nnet__who(who, sizeof who, "nnet_load_weights", path);
    status = nnet__load_weights(net, bytes, size, who);
    nnet__free(bytes);
    return status;
}

// The C source of nnet_export_c. Floats are printed with 9 significant
// digits and an f suffix, which the compiler turns back into the same float.
static void nnet__export_text(const void *model, const char *name, const char *upper, const char *file, nnet__text *t) {
    const nnet *net = (const nnet *)model;
    char number[40];
    int l;
    size_t k, per_row = 2 * (size_t)nnet__widest(net) + (size_t)nnet_output_size(net);   // nnet_predict_scratch_floats
    nnet__append(t, "/* %s - a trained nnet network as C source, written by nnet_export_c (nnet.h %s).\n",
                 name, NNET_VERSION_STRING);
    nnet__append(t, "   Architecture: %d inputs", net->n_inputs);
    for (l = 0; l < net->n_layers; l++)
        nnet__append(t, " -> %d %s", net->layers[l].n_outputs, nnet_activation_name(net->layers[l].activation));
    nnet__append(t, "; loss %s; %zu parameters.\n\n", nnet_loss_name(net->loss), net->n_parameters);
    nnet__append(t, "   Build the network with no file and no allocation (in one C file):\n\n"
                    "       #include \"nnet.h\"\n       #include \"%s\"\n       nnet net;\n"
                    "       nnet_init_static(&net, &%s_desc, %s_parameters);   // NNET_OK\n"
                    "       nnet_predict_with(&net, X, P, %s_BATCH, %s_scratch, %s_SCRATCH_FLOATS);\n\n"
                    "   X is (N, %s_N_INPUTS) and P (N, %s_N_OUTPUTS); the rows go through %s_BATCH\n"
                    "   at a time (default 1; define it before including this file for more).\n"
                    "   Do not edit: regenerate it. */\n",
                 file, name, name, upper, name, upper, upper, upper, upper);
    nnet__append(t, "#ifndef %s_NNET_MODEL_H\n#define %s_NNET_MODEL_H\n\n", upper, upper);
    nnet__append(t, "#define %s_N_INPUTS %d\n#define %s_N_OUTPUTS %d\n#define %s_N_PARAMETERS %zu\n",
                 upper, net->n_inputs, upper, nnet_output_size(net), upper, net->n_parameters);
    nnet__append(t, "#ifndef %s_BATCH\n#define %s_BATCH 1\n#endif\n", upper, upper);
    nnet__append(t, "/* = nnet_predict_scratch_floats(&net, %s_BATCH) */\n#define %s_SCRATCH_FLOATS (%s_BATCH * %zu)\n\n",
                 upper, upper, upper, per_row);
    // nnet_desc in declaration order: n_inputs, n_layers, sizes, activations,
    // dropout, leaky_slope, loss, init, init_scale, seed, huber_delta.
    nnet__append(t, "static const nnet_desc %s_desc = {\n    %d, %d,\n    {", name, net->n_inputs, net->n_layers);
    for (l = 0; l < net->n_layers; l++) nnet__append(t, "%s%d", l ? ", " : "", net->layers[l].n_outputs);
    nnet__append(t, "},\n    {");
    for (l = 0; l < net->n_layers; l++) {
        static const char *const act[NNET_ACT_COUNT_] = {"NNET_ACT_DEFAULT", "NNET_ACT_IDENTITY", "NNET_ACT_SIGMOID",
            "NNET_ACT_TANH", "NNET_ACT_RELU", "NNET_ACT_LEAKY_RELU", "NNET_ACT_SOFTMAX"};
        nnet__append(t, "%s%s", l ? ", " : "", act[net->layers[l].activation]);
    }
    nnet__append(t, "},\n    {");
    for (l = 0; l < net->n_layers; l++) {
        nnet__format_float(number, sizeof number, net->layers[l].dropout);
        nnet__append(t, "%s%s%sf", l ? ", " : "", number, strpbrk(number, ".e") ? "" : ".0");
    }
    nnet__format_float(number, sizeof number, net->leaky_slope);
    {
        static const char *const loss[NNET_LOSS_COUNT_] = {"NNET_LOSS_DEFAULT", "NNET_LOSS_CROSS_ENTROPY",
            "NNET_LOSS_BINARY_CROSS_ENTROPY", "NNET_LOSS_MSE", "NNET_LOSS_MAE", "NNET_LOSS_HUBER"};
        char delta[40];
        nnet__format_float(delta, sizeof delta, net->huber_delta);
        nnet__append(t, "},\n    %s%sf, %s, NNET_INIT_DEFAULT, 0.0f, 0, %s%sf\n};\n\n", number,
                     strpbrk(number, ".e") ? "" : ".0", loss[net->loss], delta, strpbrk(delta, ".e") ? "" : ".0");
    }
    nnet__append(t, "/* W_0 (%d x %d), b_0 (%d), W_1, b_1, ...: row-major, as nnet keeps them */\n",
                 net->layers[0].n_outputs, net->layers[0].n_inputs, net->layers[0].n_outputs);
    nnet__append(t, "static const float %s_parameters[%zu] = {", name, net->n_parameters);
    for (k = 0; k < net->n_parameters; k++) {
        nnet__format_float(number, sizeof number, net->parameters[k]);
        nnet__append(t, "%s%s%sf%s", k % 6 ? " " : "\n    ", number, strpbrk(number, ".e") ? "" : ".0",
                     k + 1 < net->n_parameters ? "," : "\n};\n\n");
    }
    nnet__append(t, "static float %s_scratch[%s_SCRATCH_FLOATS];\n\n#endif\n", name, upper);
}

// Whether name can prefix C identifiers: a letter or '_', then letters,
// digits and '_', 1..64 characters.
static int nnet__is_identifier(const char *name) {
    size_t k;
    for (k = 0; name[k]; k++)
        if (!((name[k] >= 'a' && name[k] <= 'z') || (name[k] >= 'A' && name[k] <= 'Z') || name[k] == '_' ||
              (k > 0 && name[k] >= '0' && name[k] <= '9')))
            return 0;
    return k > 0 && k <= 64;
}

// Write the C source that fill appends for model, atomically: one pass to
// count the bytes, one to write them. fill gets the name, the name in upper
// case (for macros) and the file name without its directory (for the
// #include line of the usage comment).
typedef void (*nnet__source_fill)(const void *model, const char *name, const char *upper, const char *file, nnet__text *t);
static int nnet__export_source(const void *model, nnet__source_fill fill, const char *path, const char *name, const char *who) {
    nnet__text text = {NULL, 0, 0, 0};
    const char *file = path;
    char upper[72];
    size_t k;
    int status;
    if (!nnet__is_identifier(name))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: name \"%s\" is not a C identifier of 1..64 characters", who, name);
    for (k = 0; name[k]; k++) upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 'a' + 'A' : name[k]);
    upper[k] = '\0';
    for (k = 0; path[k]; k++) if (path[k] == '/' || path[k] == '\\') file = path + k + 1;
    fill(model, name, upper, file, &text);
    if (text.failed || text.len == SIZE_MAX) return nnet__fail(NNET_ERR_ARGUMENT, "%s: could not format the source", who);
    text.cap = text.len + 1;
    if (!(text.buf = (char *)nnet__alloc(text.cap, who))) return NNET_ERR_MEMORY;
    k = text.len;
    text.len = 0;
    fill(model, name, upper, file, &text);
    NNET_ASSERT(text.len == k);
    status = nnet__write_atomic(path, text.buf, text.len, 0, who);
    nnet__free(text.buf);
    return status;
}

NNETDEF int nnet_export_c(const nnet *net, const char *path, const char *name) {
    size_t k;
    if (!net || !path || !name || !net->parameters)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_export_c: %s is NULL", !net ? "net" : !path ? "path" : !name ? "name" : "net->parameters");
    for (k = 0; k < net->n_parameters; k++)
        if (!nnet__is_finite(net->parameters[k]))
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_export_c: parameter %zu is %g; only finite weights can be exported",
                              k, (double)net->parameters[k]);
    return nnet__export_source(net, nnet__export_text, path, name, "nnet_export_c");
}
#endif

// ---- 16. Int8 models -------------------------------------------------------
// Quantisation follows TensorFlow Lite's post-training int8 scheme (per-channel
// weights, per-tensor activations, min/max calibration) and the arithmetic of
// CMSIS-NN, so the arrays nnet_export_int8_c writes drop into
// arm_fully_connected_per_channel_s8 unchanged (docs/microcontrollers.md).

// round(x / scale) + zero_point clamped to int8, in float arithmetic with no
// libc call, halves away from zero (as TensorFlow Lite's roundf): the
// exported NAME_quantize is this function, line for line.
static int8_t nnet__int8_quantize(float x, float scale, int zero_point) {
    float v = x / scale;
    int32_t q;
    if (!(v >= -256.0f)) v = -256.0f;   // beyond any code (and NaN): the clamp decides
    if (v > 256.0f) v = 256.0f;
    q = (int32_t)v;                     // toward zero; v - q is exact
    if (v - (float)q >= 0.5f) q++;
    else if (v - (float)q <= -0.5f) q--;
    q += zero_point;
    return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

// CMSIS-NN's arm_nn_requantize for shift <= 0 (nnet never makes a multiplier
// of 1 or more, so the left-shift branch is never needed): value * multiplier
// / 2^31 rounded to nearest (the doubling high multiply, no saturation), then
// divided by 2^-shift rounding halves away from zero. >> on a negative value
// is an arithmetic shift here, as on every compiler CMSIS-NN supports.
static int32_t nnet__requantize(int32_t value, int32_t multiplier, int32_t shift) {
    int32_t high = (int32_t)(((int64_t)value * multiplier + ((int64_t)1 << 30)) >> 31);
    int32_t exponent = -shift;
    int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    int32_t result = high >> exponent, threshold = (mask >> 1) + (result < 0);
    return result + ((high & mask) > threshold);
}

// One layer on one sample: acc = bias + W (x - input zero point), requantised,
// shifted to z's zero point, clamped, then looked up in the table if any.
static void nnet__int8_dense(const nnet_int8_layer *layer, const int8_t *x, int8_t *y) {
    int o, i;
    for (o = 0; o < layer->n_outputs; o++) {
        const int8_t *w = layer->weight + (size_t)o * (size_t)layer->n_inputs;
        int32_t acc = layer->bias[o];
        for (i = 0; i < layer->n_inputs; i++) acc += (int32_t)w[i] * ((int32_t)x[i] - layer->input_zero_point);
        acc = nnet__requantize(acc, layer->multiplier[o], layer->shift[o]) + layer->z_zero_point;
        acc = acc < layer->activation_min ? layer->activation_min : acc > layer->activation_max ? layer->activation_max : acc;
        y[o] = layer->table ? layer->table[acc + 128] : (int8_t)acc;
    }
}

// The real multiplier m in (0, 1) as q 2^(shift - 31), q in [2^30, 2^31),
// as TensorFlow Lite's QuantizeMultiplier: frexp's mantissa in [0.5, 1)
// rounded to 31 bits. Below 2^-32 it is 0 (the product rounds to 0 anyway).
static void nnet__quantize_multiplier(double m, int32_t *multiplier, int32_t *shift) {
    int exponent;
    double q = round(ldexp(frexp(m, &exponent), 31));
    if (q >= 2147483648.0) { q /= 2; exponent++; }
    if (exponent < -31) { q = 0; exponent = 0; }
    NNET_ASSERT(exponent <= 0);
    *multiplier = (int32_t)q;
    *shift = exponent;
}

// Scale and zero point of a tensor whose values span [lo, hi], widened to
// hold 0 so that 0.0 has an exact code (ReLU's clamp is that code). The
// scale is at least floor_scale, and 1 for a tensor that is always 0.
static void nnet__int8_tensor(double lo, double hi, double floor_scale, float *scale, int *zero_point) {
    double s, zp;
    lo = lo < 0.0 ? lo : 0.0;
    hi = hi > 0.0 ? hi : 0.0;
    s = (hi - lo) / 255.0;
    if (s < floor_scale) s = floor_scale;
    if (!(s > 0.0)) s = 1.0;
    *scale = (float)s;
    zp = round(-128.0 - lo / (double)*scale);
    *zero_point = zp < -128.0 ? -128 : zp > 127.0 ? 127 : (int)zp;
}

// The ranges the float network's tensors reach on the calibration set: per
// layer its sums z and its outputs y (the input's range is layer 0's x).
typedef struct nnet__int8_ranges {
    double x[2], z[NNET_MAX_LAYERS][2], y[NNET_MAX_LAYERS][2];
} nnet__int8_ranges;

static void nnet__widen(double range[2], nnet_mat M) {
    size_t k, n = nnet__count(M);
    for (k = 0; k < n; k++) {
        if (M.data[k] < range[0]) range[0] = M.data[k];
        if (M.data[k] > range[1]) range[1] = M.data[k];
    }
}

// The float forward pass over the calibration set in chunks, keeping each
// layer's z and y apart to measure both. The products are the plain
// nnet_gemm_reference, summed in a fixed order, so the ranges (and the int8
// network) do not depend on which of the fast path's kernels a CPU runs.
static int nnet__int8_calibrate(const nnet *net, nnet_mat C, nnet__int8_ranges *r, const char *who) {
    int rows = nnet__min(C.rows, NNET__PREDICT_CHUNK), start, l;
    size_t buffer = (size_t)rows * (size_t)nnet__widest(net);
    float *block = (float *)nnet__alloc(3 * buffer * sizeof(float), who);
    if (!block) return NNET_ERR_MEMORY;
    r->x[0] = r->x[1] = 0.0;
    for (l = 0; l < net->n_layers; l++) r->z[l][0] = r->z[l][1] = r->y[l][0] = r->y[l][1] = 0.0;
    for (start = 0; start < C.rows; start += rows) {
        int B = nnet__min(rows, C.rows - start);
        nnet_mat X = nnet_mat_view(B, C.cols, &NNET_AT(C, start, 0));
        nnet__widen(r->x, X);
        for (l = 0; l < net->n_layers; l++) {
            const nnet_layer *layer = &net->layers[l];
            nnet_mat Z = nnet_mat_view(B, layer->n_outputs, block);
            nnet_mat Y = nnet_mat_view(B, layer->n_outputs, block + (size_t)(1 + l % 2) * buffer);
            (void)nnet_gemm_reference(NNET_NO_TRANS, NNET_TRANS, 1.0f, X, layer->weight, 0.0f, Z);   // Z = X W^T
            nnet_add_bias(Z, layer->bias);
            nnet_activation_forward(layer->activation, net->leaky_slope, Y, Z);
            nnet__widen(r->z[l], Z);
            nnet__widen(r->y[l], Y);
            X = Y;
        }
    }
    nnet__free(block);
    for (l = 0; l < net->n_layers; l++)
        if (!nnet__is_finite(r->z[l][0]) || !nnet__is_finite(r->z[l][1]))
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: the calibration set drives the sums of layer %d to %g; they must stay finite",
                              who, l, nnet__is_finite(r->z[l][0]) ? r->z[l][1] : r->z[l][0]);
    return NNET_OK;
}

// Layer l's weights, biases, multipliers, shifts and table from the float
// layer and the ranges; the layer's input scale and zero point are set.
static int nnet__int8_layer_quantize(const nnet *net, int l, const nnet__int8_ranges *r, nnet_int8_layer *q,
                                     int8_t *weight, int32_t *bias, float *weight_scale, int32_t *multiplier,
                                     int32_t *shift, int8_t *table, const char *who) {
    const nnet_layer *layer = &net->layers[l];
    int I = layer->n_inputs, O = layer->n_outputs, o, i, k;
    int output = l == net->n_layers - 1, relu = !output && layer->activation == NNET_ACT_RELU;
    double largest = 0.0;
    for (o = 0; o < O; o++) {   // symmetric per neuron: max |w| maps to 127
        double m = 0.0;
        for (i = 0; i < I; i++) m = fmax(m, fabs((double)NNET_AT(layer->weight, o, i)));
        weight_scale[o] = (float)(m / 127.0);
        largest = fmax(largest, (double)weight_scale[o]);
    }
    for (o = 0; o < O; o++) {
        double accumulator_scale, b, bound = 0.0;
        if (!(weight_scale[o] > 0.0f)) weight_scale[o] = largest > 0.0 ? (float)largest : 1.0f;   // an all-zero row
        for (i = 0; i < I; i++) {
            double w = round((double)NNET_AT(layer->weight, o, i) / weight_scale[o]);
            weight[(size_t)o * (size_t)I + (size_t)i] = (int8_t)(w > 127.0 ? 127 : w < -127.0 ? -127 : w);
            bound += fabs(w);
        }
        accumulator_scale = (double)q->input_scale * weight_scale[o];
        b = round((double)layer->bias[o] / accumulator_scale);
        // |x - input zero point| <= 255, so |acc| <= |bias| + 255 sum |w|.
        if (fabs(b) + 255.0 * bound > 2147483647.0)
            return nnet__fail(NNET_ERR_ARGUMENT, "%s: layer %d, neuron %d: its int32 sum could reach %.3g, beyond 2^31 "
                              "(bias %g, %d inputs); int8 cannot run it", who, l, o, fabs(b) + 255.0 * bound,
                              (double)layer->bias[o], I);
        bias[o] = (int32_t)b;
    }
    // z's scale is at least the finest accumulator step (times 1 + 2^-20),
    // so every multiplier is below 1; only a layer whose calibrated range is
    // tiny next to its weights meets the floor.
    nnet__int8_tensor(relu ? 0.0 : r->z[l][0], relu ? r->y[l][1] : r->z[l][1],
                      (double)q->input_scale * largest * (1.0 + 1.0 / 1048576.0), &q->z_scale, &q->z_zero_point);
    for (o = 0; o < O; o++)
        nnet__quantize_multiplier((double)q->input_scale * weight_scale[o] / q->z_scale, &multiplier[o], &shift[o]);
    q->n_inputs = I;
    q->n_outputs = O;
    q->activation = layer->activation;
    q->weight = weight;
    q->bias = bias;
    q->weight_scale = weight_scale;
    q->multiplier = multiplier;
    q->shift = shift;
    q->activation_min = relu ? q->z_zero_point : -128;   // ReLU: nothing below the code of 0.0
    q->activation_max = 127;
    q->table = NULL;
    q->output_scale = q->z_scale;
    q->output_zero_point = q->z_zero_point;
    if (!output && !relu && layer->activation != NNET_ACT_IDENTITY) {
        // y = f(z) for each of the 256 codes of z, in float as the network
        // computes it, then quantised on y's own range.
        float values[256];
        nnet_mat V = nnet_mat_view(1, 256, values);
        nnet__int8_tensor(r->y[l][0], r->y[l][1], 0.0, &q->output_scale, &q->output_zero_point);
        for (k = 0; k < 256; k++) values[k] = q->z_scale * (float)(k - 128 - q->z_zero_point);
        nnet_activation_forward(layer->activation, net->leaky_slope, V, V);
        for (k = 0; k < 256; k++) table[k] = nnet__int8_quantize(values[k], q->output_scale, q->output_zero_point);
        q->table = table;
    }
    return NNET_OK;
}

NNETDEF nnet_int8 *nnet_int8_create(const nnet *net, nnet_mat calibration) {
    const char *who = "nnet_int8_create";
    nnet__int8_ranges ranges;
    nnet_int8 *q;
    size_t words = 0, bytes = 0, head, k;
    int32_t *word;
    int8_t *byte;
    int l, i;
    if (!net || !net->parameters) { nnet__fail(NNET_ERR_ARGUMENT, "%s: net%s is NULL", who, net ? "->parameters" : ""); return NULL; }
    for (l = 0; l < net->n_layers - 1; l++)
        if (net->layers[l].activation == NNET_ACT_SOFTMAX) {
            nnet__fail(NNET_ERR_ARGUMENT, "%s: hidden layer %d is softmax; int8 runs softmax only on the output layer "
                       "(in float, from the int8 logits)", who, l);
            return NULL;
        }
    for (k = 0; k < net->n_parameters; k++)
        if (!nnet__is_finite(net->parameters[k])) {
            nnet__fail(NNET_ERR_ARGUMENT, "%s: parameter %zu is %g; only finite weights can be quantised", who, k,
                       (double)net->parameters[k]);
            return NULL;
        }
    if (!calibration.data || calibration.rows < 1) {
        nnet__fail(NNET_ERR_ARGUMENT, "%s: the calibration set is empty (%d rows%s); pass samples the network will see, "
                   "e.g. 1,000 training samples", who, calibration.rows, calibration.data ? "" : ", data NULL");
        return NULL;
    }
    if (calibration.cols != net->n_inputs) {
        nnet__fail(NNET_ERR_ARGUMENT, "%s: the calibration set has %d columns, expected the network's %d inputs", who,
                   calibration.cols, net->n_inputs);
        return NULL;
    }
    for (i = 0; i < calibration.rows; i++)
        for (l = 0; l < calibration.cols; l++)
            if (!nnet__is_finite(NNET_AT(calibration, i, l))) {
                nnet__fail(NNET_ERR_ARGUMENT, "%s: calibration row %d, column %d is %g; the calibration set must be finite",
                           who, i, l, (double)NNET_AT(calibration, i, l));
                return NULL;
            }
    if (nnet__int8_calibrate(net, calibration, &ranges, who) != NNET_OK) return NULL;

    // One block: the struct, then the 4-byte arrays (bias, weight scale,
    // multiplier, shift: 4 O per layer), then the weights and tables.
    for (l = 0; l < net->n_layers; l++) {
        words += 4 * (size_t)net->layers[l].n_outputs;
        bytes += (size_t)net->layers[l].n_outputs * (size_t)net->layers[l].n_inputs + 256;
    }
    head = (sizeof(nnet_int8) + NNET__ALIGN - 1) / NNET__ALIGN * NNET__ALIGN;
    if (!(q = (nnet_int8 *)nnet__alloc(head + words * 4 + bytes, who))) return NULL;
    memset(q, 0, sizeof *q);
    word = (int32_t *)(void *)((unsigned char *)q + head);
    byte = (int8_t *)(word + words);
    q->n_inputs = net->n_inputs;
    q->n_layers = net->n_layers;
    q->leaky_slope = net->leaky_slope;
    q->widest = nnet__widest(net);
    q->calibration_rows = calibration.rows;
    nnet__int8_tensor(ranges.x[0], ranges.x[1], 0.0, &q->layers[0].input_scale, &q->layers[0].input_zero_point);
    for (l = 0; l < net->n_layers; l++) {
        int O = net->layers[l].n_outputs;
        if (l > 0) {
            q->layers[l].input_scale = q->layers[l - 1].output_scale;
            q->layers[l].input_zero_point = q->layers[l - 1].output_zero_point;
        }
        if (nnet__int8_layer_quantize(net, l, &ranges, &q->layers[l], byte, word, (float *)(void *)(word + O),
                                      word + 2 * O, word + 3 * O, byte + (size_t)O * (size_t)net->layers[l].n_inputs,
                                      who) != NNET_OK) {
            nnet__free(q);
            return NULL;
        }
        word += 4 * (size_t)O;
        byte += (size_t)O * (size_t)net->layers[l].n_inputs + 256;
    }
    return q;
}

NNETDEF void nnet_int8_free(nnet_int8 *q) { nnet__free(q); }

NNETDEF int nnet_int8_quantize_input(const nnet_int8 *q, const float *x, int8_t *input) {
    int i;
    if (!q || !x || !input)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_int8_quantize_input: %s is NULL", !q ? "q" : !x ? "x" : "input");
    for (i = 0; i < q->n_inputs; i++) {
        if (!nnet__is_finite(x[i]))
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_int8_quantize_input: x[%d] is %g; inputs must be finite", i, (double)x[i]);
        input[i] = nnet__int8_quantize(x[i], q->layers[0].input_scale, q->layers[0].input_zero_point);
    }
    return NNET_OK;
}

NNETDEF size_t nnet_int8_scratch_bytes(const nnet_int8 *q) { return q ? 2 * (size_t)q->widest : 0; }

NNETDEF size_t nnet_int8_model_bytes(const nnet_int8 *q) {
    size_t bytes = 0;
    int l;
    for (l = 0; q && l < q->n_layers; l++)
        bytes += (size_t)q->layers[l].n_outputs * ((size_t)q->layers[l].n_inputs + 12) + (q->layers[l].table ? 256 : 0);
    return bytes;
}

// Layer l writes buffer l % 2 of scratch, the last layer writes output.
static void nnet__int8_run(const nnet_int8 *q, const int8_t *input, int8_t *output, int8_t *scratch) {
    int l;
    for (l = 0; l < q->n_layers; l++) {
        int8_t *y = l == q->n_layers - 1 ? output : scratch + (size_t)(l % 2) * (size_t)q->widest;
        nnet__int8_dense(&q->layers[l], input, y);
        input = y;
    }
}

NNETDEF int nnet_int8_forward(const nnet_int8 *q, const int8_t *input, int8_t *output, int8_t *scratch) {
    if (!q || !input || !output || !scratch)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_int8_forward: %s is NULL", !q ? "q" : !input ? "input" : !output ? "output" : "scratch");
    nnet__int8_run(q, input, output, scratch);
    return NNET_OK;
}

// For one output: the smallest code whose probability (or value) is >= 0.5,
// 128 if none is; the class is code >= it, as NAME_classify decides.
static int nnet__int8_threshold(const nnet_int8 *q) {
    const nnet_int8_layer *out = &q->layers[q->n_layers - 1];
    int code;
    for (code = -128; code < 128; code++) {
        float p = out->z_scale * (float)(code - out->z_zero_point);
        nnet_activation_forward(out->activation, q->leaky_slope, nnet_mat_view(1, 1, &p), nnet_mat_view(1, 1, &p));
        if (p >= 0.5f) return code;
    }
    return 128;
}

// P or classes (the other NULL) for every row of X.
static int nnet__int8_predict(const nnet_int8 *q, nnet_mat X, float *P, int *classes, const char *who) {
    const nnet_int8_layer *out;
    int8_t *block;
    int i, k, O, threshold = 128;
    if (!q || !X.data) return nnet__fail(NNET_ERR_ARGUMENT, "%s: %s is NULL", who, !q ? "q" : "X.data");
    if (X.rows < 1 || X.cols != q->n_inputs)
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: X is %dx%d, expected N x %d with N >= 1", who, X.rows, X.cols, q->n_inputs);
    out = &q->layers[q->n_layers - 1];
    O = out->n_outputs;
    if (!(block = (int8_t *)nnet__alloc((size_t)q->n_inputs + (size_t)O + nnet_int8_scratch_bytes(q), who))) return NNET_ERR_MEMORY;
    if (classes && O == 1) threshold = nnet__int8_threshold(q);
    for (i = 0; i < X.rows; i++) {
        int8_t *input = block, *z = block + q->n_inputs;
        if (nnet_int8_quantize_input(q, &NNET_AT(X, i, 0), input) != NNET_OK) {
            nnet__fail(NNET_ERR_ARGUMENT, "%s: X row %d is not finite", who, i);
            nnet__free(block);
            return NNET_ERR_ARGUMENT;
        }
        nnet__int8_run(q, input, z, z + O);
        if (P) {
            nnet_mat row = nnet_mat_view(1, O, P + (size_t)i * (size_t)O);
            for (k = 0; k < O; k++) row.data[k] = out->z_scale * (float)(z[k] - out->z_zero_point);
            nnet_activation_forward(out->activation, q->leaky_slope, row, row);
        } else if (O == 1) {
            classes[i] = z[0] >= threshold;
        } else {
            for (classes[i] = 0, k = 1; k < O; k++) if (z[k] > z[classes[i]]) classes[i] = k;
        }
    }
    nnet__free(block);
    return NNET_OK;
}

NNETDEF int nnet_int8_predict(const nnet_int8 *q, nnet_mat X, nnet_mat P) {
    if (!P.data) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_int8_predict: P.data is NULL");
    if (q && (P.rows != X.rows || P.cols != q->layers[q->n_layers - 1].n_outputs))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_int8_predict: P is %dx%d, expected %dx%d", P.rows, P.cols, X.rows,
                          q->layers[q->n_layers - 1].n_outputs);
    return nnet__int8_predict(q, X, P.data, NULL, "nnet_int8_predict");
}

NNETDEF int nnet_int8_predict_classes(const nnet_int8 *q, nnet_mat X, int *classes) {
    if (!classes) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_int8_predict_classes: classes is NULL");
    return nnet__int8_predict(q, X, NULL, classes, "nnet_int8_predict_classes");
}

#ifndef NNET_NO_STDIO
// A float as a C constant ("%.9g" with a point or exponent and an f
// suffix), or as plain text for a comment.
static void nnet__append_float(nnet__text *t, float x, int constant) {
    char number[40];
    nnet__format_float(number, sizeof number, x);
    nnet__append(t, "%s%s", number, !constant ? "" : strpbrk(number, ".e") ? "f" : ".0f");
}

// const int8_t or int32_t NAME_what_l[n] = {...}, 20 or 10 values a line.
static void nnet__append_array(nnet__text *t, const char *name, const char *what, int l, const int8_t *bytes,
                               const int32_t *words, size_t n, const char *comment) {
    size_t k, per_line = bytes ? 20 : 10;
    nnet__append(t, "static const %s %s_%s_%d[%zu] = {  /* %s */", bytes ? "int8_t" : "int32_t", name, what, l, n, comment);
    for (k = 0; k < n; k++)
        nnet__append(t, "%s%ld%s", k % per_line ? " " : "\n    ", bytes ? (long)bytes[k] : (long)words[k], k + 1 < n ? "," : "\n};\n");
}

// The source of nnet_export_int8_c: the arrays, then the code, which
// mirrors nnet__int8_quantize, nnet__requantize and nnet__int8_dense.
static void nnet__export_int8_text(const void *model, const char *name, const char *upper, const char *file, nnet__text *t) {
    const nnet_int8 *q = (const nnet_int8 *)model;
    const nnet_int8_layer *out = &q->layers[q->n_layers - 1];
    int l, O = out->n_outputs;
    nnet__append(t, "/* %s - an int8 network for microcontrollers, written by nnet_export_int8_c (nnet.h %s).\n"
                    "   Architecture: %d inputs", name, NNET_VERSION_STRING, q->n_inputs);
    for (l = 0; l < q->n_layers; l++)
        nnet__append(t, " -> %d %s", q->layers[l].n_outputs, nnet_activation_name(q->layers[l].activation));
    nnet__append(t, "; ranges calibrated on %d samples.\n"
                    "   Quantised as TensorFlow Lite and CMSIS-NN do, real = scale * (q - zero_point):\n"
                    "   int8 weights with one scale per neuron, int32 biases, int8 activations.\n"
                    "   Model data: %zu bytes of const arrays (flash); activations: 2 x %d bytes (RAM).\n\n"
                    "   Use (C99 or C++; no libc, no allocation):\n\n"
                    "       #include \"%s\"\n"
                    "       int8_t x[%s_N_INPUTS];\n"
                    "       %s_quantize(real, x);\n"
                    "       int k = %s_classify(x);\n"
                    "       const int8_t *z = %s_run(x);\n\n"
                    "   %s_quantize turns real inputs into the network's codes, round(real /\n"
                    "   %s_INPUT_SCALE) + %s_INPUT_ZERO_POINT clamped to [-128, 127], in float\n"
                    "   arithmetic (without a float unit, make the codes elsewhere). Everything else\n"
                    "   is integer arithmetic. %s_classify gives the predicted class, %s_run the\n"
                    "   %s_N_OUTPUTS int8 outputs (logits), each worth %s_OUTPUT_SCALE *\n"
                    "   (z[k] - %s_OUTPUT_ZERO_POINT); the output activation (%s) is left to\n"
                    "   the caller. %s_run keeps the layers' outputs in one static buffer pair,\n"
                    "   %s_activations: one call at a time, and z holds until the next call.\n"
                    "   %s_dense computes for each layer of %s_layers what CMSIS-NN's\n"
                    "   arm_fully_connected_per_channel_s8 computes with the same arrays, offsets\n"
                    "   and clamp (docs/microcontrollers.md in nnet.h's repository).\n"
                    "   Do not edit: regenerate it. */\n",
                 q->calibration_rows, nnet_int8_model_bytes(q), q->widest, file, upper, name, name, name, name, upper, upper,
                 name, name, upper, upper, upper, nnet_activation_name(out->activation), name, name, name, name);
    nnet__append(t, "#ifndef %s_INT8_H\n#define %s_INT8_H\n\n#include <stdint.h>\n\n", upper, upper);
    nnet__append(t, "#define %s_N_INPUTS %d\n#define %s_N_OUTPUTS %d\n#define %s_INPUT_SCALE ", upper, q->n_inputs, upper, O, upper);
    nnet__append_float(t, q->layers[0].input_scale, 1);
    nnet__append(t, "\n#define %s_INPUT_ZERO_POINT (%d)\n#define %s_OUTPUT_SCALE ", upper, q->layers[0].input_zero_point, upper);
    nnet__append_float(t, out->z_scale, 1);
    nnet__append(t, "\n#define %s_OUTPUT_ZERO_POINT (%d)\n#define %s_MODEL_BYTES %zu\n#define %s_ACTIVATION_BYTES %d\n",
                 upper, out->z_zero_point, upper, nnet_int8_model_bytes(q), upper, 2 * q->widest);
    for (l = 0; l < q->n_layers; l++) {
        const nnet_int8_layer *layer = &q->layers[l];
        char shape[64];
        nnet__append(t, "\n/* Layer %d: %d -> %d, %s%s. Input scale ", l, layer->n_inputs, layer->n_outputs,
                     nnet_activation_name(layer->activation),
                     l == q->n_layers - 1 ? " (left to the caller)" : layer->table ? " (the table)" :
                     layer->activation == NNET_ACT_RELU ? " (the clamp)" : "");
        nnet__append_float(t, layer->input_scale, 0);
        nnet__append(t, ", zero point %d; output scale ", layer->input_zero_point);
        nnet__append_float(t, layer->output_scale, 0);
        nnet__append(t, ", zero point %d. */\n", layer->output_zero_point);
        snprintf(shape, sizeof shape, "(%d, %d), row-major", layer->n_outputs, layer->n_inputs);
        nnet__append_array(t, name, "weight", l, layer->weight, NULL, (size_t)layer->n_outputs * (size_t)layer->n_inputs, shape);
        nnet__append_array(t, name, "bias", l, NULL, layer->bias, (size_t)layer->n_outputs, "input scale * weight scale");
        nnet__append_array(t, name, "multiplier", l, NULL, layer->multiplier, (size_t)layer->n_outputs, "Q31");
        nnet__append_array(t, name, "shift", l, NULL, layer->shift, (size_t)layer->n_outputs, "CMSIS-NN's: negative = right");
        if (layer->table) nnet__append_array(t, name, "table", l, layer->table, NULL, 256, "y = table[z + 128]");
    }
    nnet__append(t, "\n/* Each layer as CMSIS-NN's cmsis_nn_fc_params and per-channel parameters hold it:\n"
                    "   input_offset = -(input zero point), output_offset = the output zero point. */\n"
                    "typedef struct %s_layer {\n"
                    "    int32_t n_inputs, n_outputs;\n"
                    "    const int8_t *weight;                         /* (n_outputs, n_inputs) */\n"
                    "    const int32_t *bias, *multiplier, *shift;     /* (n_outputs) */\n"
                    "    int32_t input_offset, output_offset, activation_min, activation_max;\n"
                    "    const int8_t *table;                          /* y = table[y + 128] after the clamp, or 0 */\n"
                    "} %s_layer;\n\n#define %s_N_LAYERS %d\nstatic const %s_layer %s_layers[%s_N_LAYERS] = {\n",
                 name, name, upper, q->n_layers, name, name, upper);
    for (l = 0; l < q->n_layers; l++) {
        const nnet_int8_layer *layer = &q->layers[l];
        char table[96];
        if (layer->table) snprintf(table, sizeof table, "%s_table_%d", name, l);
        else snprintf(table, sizeof table, "(const int8_t *)0");
        nnet__append(t, "    {%d, %d, %s_weight_%d, %s_bias_%d, %s_multiplier_%d, %s_shift_%d, %d, %d, %d, %d, %s}%s\n",
                     layer->n_inputs, layer->n_outputs, name, l, name, l, name, l, name, l, -layer->input_zero_point,
                     layer->z_zero_point, layer->activation_min, layer->activation_max, table, l + 1 < q->n_layers ? "," : "");
    }
    nnet__append(t, "};\n\nstatic int8_t %s_activations[2][%d];\n\n", name, q->widest);
    nnet__append(t,
        "/* CMSIS-NN's arm_nn_requantize for shift <= 0: value * multiplier / 2^31 rounded to\n"
        "   nearest, then divided by 2^-shift rounding halves away from zero. */\n"
        "static inline int32_t %s_requantize(int32_t value, int32_t multiplier, int32_t shift) {\n"
        "    int32_t high = (int32_t)(((int64_t)value * multiplier + ((int64_t)1 << 30)) >> 31);\n"
        "    int32_t exponent = -shift;\n"
        "    int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);\n"
        "    int32_t result = high >> exponent, threshold = (mask >> 1) + (result < 0);\n"
        "    return result + ((high & mask) > threshold);\n"
        "}\n\n"
        "/* One dense layer, y (n_outputs) from x (n_inputs): y[o] = clamp(requantize(bias[o] +\n"
        "   sum_i weight[o][i] (x[i] + input_offset)) + output_offset), then table[y[o] + 128]. */\n"
        "static inline void %s_dense(const %s_layer *layer, const int8_t *x, int8_t *y) {\n"
        "    int32_t o, i;\n"
        "    for (o = 0; o < layer->n_outputs; o++) {\n"
        "        const int8_t *w = layer->weight + o * layer->n_inputs;\n"
        "        int32_t acc = layer->bias[o];\n"
        "        for (i = 0; i < layer->n_inputs; i++) acc += (int32_t)w[i] * ((int32_t)x[i] + layer->input_offset);\n"
        "        acc = %s_requantize(acc, layer->multiplier[o], layer->shift[o]) + layer->output_offset;\n"
        "        acc = acc < layer->activation_min ? layer->activation_min : acc > layer->activation_max ? layer->activation_max : acc;\n"
        "        y[o] = layer->table ? layer->table[acc + 128] : (int8_t)acc;\n"
        "    }\n"
        "}\n\n"
        "/* The network: x (%s_N_INPUTS) in, the output layer's int8 logits (%s_N_OUTPUTS) out.\n"
        "   Layer l writes %s_activations[l %% 2]. */\n"
        "static inline const int8_t *%s_run(const int8_t *x) {\n"
        "    int32_t l;\n"
        "    for (l = 0; l < %s_N_LAYERS; l++) %s_dense(&%s_layers[l], l ? %s_activations[(l - 1) %% 2] : x, %s_activations[l %% 2]);\n"
        "    return %s_activations[(%s_N_LAYERS - 1) %% 2];\n"
        "}\n\n", name, name, name, name, upper, upper, name, name, upper, name, name, name, name, name, upper);
    if (O > 1)
        nnet__append(t, "/* The predicted class: the largest logit, the first of equals. */\n"
                        "static inline int %s_classify(const int8_t *x) {\n"
                        "    const int8_t *z = %s_run(x);\n"
                        "    int k, best = 0;\n"
                        "    for (k = 1; k < %s_N_OUTPUTS; k++) if (z[k] > z[best]) best = k;\n"
                        "    return best;\n}\n\n", name, name, upper);
    else {
        int threshold = nnet__int8_threshold(q);   // -128 or 128: every code, or none, means p >= 0.5
        nnet__append(t, "/* The predicted class: 1 when the output means p >= 0.5. */\n"
                        "static inline int %s_classify(const int8_t *x) { return ", name);
        if (threshold > -128 && threshold < 128) nnet__append(t, "%s_run(x)[0] >= %d; }\n\n", name, threshold);
        else nnet__append(t, "(void)%s_run(x), %d; }\n\n", name, threshold < 128);
    }
    nnet__append(t,
        "/* x = the codes of the real inputs: round(real / scale), halves away from zero,\n"
        "   + zero point, clamped to [-128, 127]; float arithmetic, no libc. */\n"
        "static inline void %s_quantize(const float *real, int8_t *x) {\n"
        "    int32_t i, q;\n"
        "    for (i = 0; i < %s_N_INPUTS; i++) {\n"
        "        float v = real[i] / %s_INPUT_SCALE;\n"
        "        if (!(v >= -256.0f)) v = -256.0f;\n"
        "        if (v > 256.0f) v = 256.0f;\n"
        "        q = (int32_t)v;\n"
        "        if (v - (float)q >= 0.5f) q++;\n"
        "        else if (v - (float)q <= -0.5f) q--;\n"
        "        q += %s_INPUT_ZERO_POINT;\n"
        "        x[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);\n"
        "    }\n}\n\n#endif\n", name, upper, upper, upper);
}

NNETDEF int nnet_export_int8_c(const nnet_int8 *q, const char *path, const char *name) {
    if (!q || !path || !name)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_export_int8_c: %s is NULL", !q ? "q" : !path ? "path" : "name");
    return nnet__export_source(q, nnet__export_int8_text, path, name, "nnet_export_int8_c");
}
#endif


/* ========================================================================== */
/*                          PART III  THE FAST PATH                           */
/* ========================================================================== */
// Everything below computes what Part I computes, faster. The seam's five
// functions (declared before Part I) are nnet__train_on_team in section 18
// and nnet__fast_gemm, nnet__fast_gather, nnet__fast_step and
// nnet__fast_layer_step in section 19.
// The reading build (NNET_REFERENCE) leaves this part out.
#ifndef NNET_REFERENCE
#ifdef _OPENMP
#include <omp.h>          /* omp_get_thread_num: each thread's band of a product */
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>    /* _mm_pause, while nnet_train's team waits for work */
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <time.h>         /* nanosleep, when a waiting thread naps */
#include <sched.h>        /* (struct timespec under strict -std=c99 with glibc) */
#if !defined(__cplusplus)
int nanosleep(const struct timespec *duration, struct timespec *remaining);   /* POSIX; hidden under -std=c99 */
#endif
#endif
#endif
#if defined(__GNUC__) || defined(__clang__)
#define nnet__prefetch(p) __builtin_prefetch(p)   // a hint: start loading p's cache line
#else
#define nnet__prefetch(p) ((void)(p))
#endif

// ---- 17. SIMD kernels ------------------------------------------------------
// The fast path. An MLP's matrices are small (batch 16-256, layers of
// 10-2048), so the operands stay in L1/L2 and nothing is packed: the kernels
// read A, B and C where they are. There are two register-tiled kernels,
// chosen by which way op(B) is contiguous:
//   outer  op(B) rows contiguous (B not transposed): dW = dZ^T X, dX = dZ W.
//          An NNET__MR x NNET__NR tile of C lives in registers; each step k
//          broadcasts MR values of column k of op(A) and loads row k of op(B):
//          acc[r][:] += a[r] * b[:]   (one FMA per VL lanes)
//   dot    op(A) rows and op(B) columns both contiguous in k (A B^T):
//          Z = X W^T. An NNET__DM x NNET__DN block of dot products, each
//          summed in VL lanes along k, then across the lanes.
// Both finish with the output pass C = alpha acc + beta C.
// Determinism: every C element goes through the same instructions in the
// same order wherever it sits (edge tiles repeat the last row and mask the
// last columns instead of running other code), so splitting tiles across
// threads never changes a bit. The vector width is fixed at compile time:
// AVX-512F, else AVX2+FMA, else WebAssembly SIMD128, else portable C (also
// with NNET_NO_SIMD).
#ifdef NNET_USE_CBLAS
#ifndef FORCE_OPENBLAS_COMPLEX_STRUCT
#define FORCE_OPENBLAS_COMPLEX_STRUCT   // keep OpenBLAS's cblas.h from including <complex.h> (its I macro)
#endif
#include <cblas.h>   // link with -lopenblas (or any CBLAS)
#endif
#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
// g++ 12 warns about _mm512_undefined_ps inside its own AVX-512 headers.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#if !defined(NNET_NO_SIMD) && defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 nnet__vec;
#define NNET__VL 16                    // lanes per vector
#define NNET__MR 8                     // outer kernel: rows ...
#define NNET__NV 2                     // ... and vectors (NR = NV * VL columns)
#define NNET__DM 4                     // dot kernel: rows of op(A) ...
#define NNET__DN 4                     // ... times columns of op(B)
#define nnet__vzero() _mm512_setzero_ps()
#define nnet__vset1(x) _mm512_set1_ps(x)
#define nnet__vload(p) _mm512_loadu_ps(p)
#define nnet__vstore(p, v) _mm512_storeu_ps(p, v)
#define nnet__vmask(n) ((__mmask16)((1u << (n)) - 1u))
#define nnet__vloadn(p, n) _mm512_maskz_loadu_ps(nnet__vmask(n), p)     // first n lanes, rest 0
#define nnet__vstoren(p, v, n) _mm512_mask_storeu_ps(p, nnet__vmask(n), v)
#define nnet__vfma(a, b, c) _mm512_fmadd_ps(a, b, c)                    // a*b + c, one rounding
#define nnet__vmul(a, b) _mm512_mul_ps(a, b)
#define nnet__vadd(a, b) _mm512_add_ps(a, b)
#define nnet__vsub(a, b) _mm512_sub_ps(a, b)
#define nnet__vdiv(a, b) _mm512_div_ps(a, b)
#define nnet__vsqrt(a) _mm512_sqrt_ps(a)
#ifdef __AVX512DQ__   // subnormal lanes to 0 (nnet__flush_subnormal): one instruction finds them
#define nnet__vflush(a) _mm512_maskz_mov_ps((__mmask16)~_mm512_fpclass_ps_mask(a, 0x20), a)
#else
#define nnet__vflush(a) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_abs_ps(a), _mm512_set1_ps(FLT_MIN), _CMP_NLT_UQ), a)
#endif
#define nnet__vany(v) (_mm512_test_epi32_mask(_mm512_castps_si512(v), _mm512_castps_si512(v)) != 0)   // a lane not all 0 bits
// out[0..3] = the lane sums of a, b, c, d, each added as ((x0+x2)+(x1+x3)) within
// 128-bit quarters, then the quarters ((q0+q2)+(q1+q3)): the same for all four.
static void nnet__vsum4(float *out, __m512 a, __m512 b, __m512 c, __m512 d) {
    __m512 ab = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
    __m512 cd = _mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d));
    __m512 s = _mm512_add_ps(_mm512_shuffle_ps(ab, cd, 0x44), _mm512_shuffle_ps(ab, cd, 0xEE));
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(s), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}
#elif !defined(NNET_NO_SIMD) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
typedef __m256 nnet__vec;
#define NNET__VL 8
#define NNET__MR 6
#define NNET__NV 2
#define NNET__DM 2
#define NNET__DN 4
#define nnet__vzero() _mm256_setzero_ps()
#define nnet__vset1(x) _mm256_set1_ps(x)
#define nnet__vload(p) _mm256_loadu_ps(p)
#define nnet__vstore(p, v) _mm256_storeu_ps(p, v)
#define nnet__vmask(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define nnet__vloadn(p, n) _mm256_maskload_ps(p, nnet__vmask(n))
#define nnet__vstoren(p, v, n) _mm256_maskstore_ps(p, nnet__vmask(n), v)
#define nnet__vfma(a, b, c) _mm256_fmadd_ps(a, b, c)
#define nnet__vmul(a, b) _mm256_mul_ps(a, b)
#define nnet__vadd(a, b) _mm256_add_ps(a, b)
#define nnet__vsub(a, b) _mm256_sub_ps(a, b)
#define nnet__vdiv(a, b) _mm256_div_ps(a, b)
#define nnet__vsqrt(a) _mm256_sqrt_ps(a)
#define nnet__vflush(a) _mm256_andnot_ps(_mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a), _mm256_set1_ps(FLT_MIN), _CMP_LT_OQ), a)
#define nnet__vany(v) (!_mm256_testz_si256(_mm256_castps_si256(v), _mm256_castps_si256(v)))
static void nnet__vsum4(float *out, __m256 a, __m256 b, __m256 c, __m256 d) {   // as the AVX-512 one
    __m256 ab = _mm256_add_ps(_mm256_unpacklo_ps(a, b), _mm256_unpackhi_ps(a, b));
    __m256 cd = _mm256_add_ps(_mm256_unpacklo_ps(c, d), _mm256_unpackhi_ps(c, d));
    __m256 h = _mm256_add_ps(_mm256_shuffle_ps(ab, cd, 0x44), _mm256_shuffle_ps(ab, cd, 0xEE));
    _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}
#elif !defined(NNET_NO_SIMD) && defined(__wasm_simd128__)
// WebAssembly SIMD128 (clang -msimd128): 4 lanes. It has no fused
// multiply-add, so vfma rounds twice. The engine maps the 16 x 128-bit
// values of a tile onto the host's 16 vector registers: 4 x 2 accumulators,
// 2 loads and a broadcast.
#include <wasm_simd128.h>
typedef v128_t nnet__vec;
#define NNET__VL 4
#define NNET__MR 4
#define NNET__NV 2
#define NNET__DM 2
#define NNET__DN 4
#define nnet__vzero() wasm_f32x4_splat(0.0f)
#define nnet__vset1(x) wasm_f32x4_splat(x)
#define nnet__vload(p) wasm_v128_load(p)
#define nnet__vstore(p, v) wasm_v128_store(p, v)
#define nnet__vfma(a, b, c) wasm_f32x4_add(wasm_f32x4_mul(a, b), c)
#define nnet__vmul(a, b) wasm_f32x4_mul(a, b)
#define nnet__vadd(a, b) wasm_f32x4_add(a, b)
#define nnet__vsub(a, b) wasm_f32x4_sub(a, b)
#define nnet__vdiv(a, b) wasm_f32x4_div(a, b)
#define nnet__vsqrt(a) wasm_f32x4_sqrt(a)
#define nnet__vflush(a) wasm_v128_andnot(a, wasm_f32x4_lt(wasm_f32x4_abs(a), wasm_f32x4_splat(FLT_MIN)))
#define nnet__vany(v) wasm_v128_any_true(v)
// The first n lanes at p (n < 4 reads only those), the rest 0; and the store.
static v128_t nnet__vloadn(const float *p, int n) {
    if (n >= 4) return wasm_v128_load(p);
    if (n == 3) return wasm_f32x4_replace_lane(wasm_v128_load64_zero(p), 2, p[2]);
    if (n == 2) return wasm_v128_load64_zero(p);
    return n == 1 ? wasm_v128_load32_zero(p) : wasm_f32x4_splat(0.0f);
}
static void nnet__vstoren(float *p, v128_t v, int n) {
    if (n >= 4) { wasm_v128_store(p, v); return; }
    if (n >= 2) wasm_v128_store64_lane(p, v, 0);
    else if (n == 1) wasm_v128_store32_lane(p, v, 0);
    if (n == 3) p[2] = wasm_f32x4_extract_lane(v, 2);
}
static void nnet__vsum4(float *out, v128_t a, v128_t b, v128_t c, v128_t d) {   // each ((0+2) + (1+3))
    v128_t ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
    v128_t cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
    wasm_v128_store(out, wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7)));
}
#else
typedef float nnet__vec;   // portable C: one lane, plain multiply-add
#define NNET__VL 1
#define NNET__MR 4
#define NNET__NV 4
#define NNET__DM 4
#define NNET__DN 4
#define nnet__vzero() 0.0f
#define nnet__vset1(x) (x)
#define nnet__vload(p) (*(p))
#define nnet__vstore(p, v) (*(p) = (v))
#define nnet__vloadn(p, n) ((n) > 0 ? *(p) : 0.0f)
#define nnet__vstoren(p, v, n) do { if ((n) > 0) *(p) = (v); } while (0)
#define nnet__vfma(a, b, c) ((a) * (b) + (c))
#define nnet__vmul(a, b) ((a) * (b))
#define nnet__vadd(a, b) ((a) + (b))
#define nnet__vsub(a, b) ((a) - (b))
#define nnet__vdiv(a, b) ((a) / (b))
#define nnet__vsqrt(a) sqrtf(a)
#define nnet__vflush(a) (fabsf(a) < FLT_MIN ? 0.0f : (a))
#define nnet__vany(v) ((v) != 0.0f)
#define nnet__vsum4(out, a, b, c, d) ((out)[0] = (a), (out)[1] = (b), (out)[2] = (c), (out)[3] = (d))
#endif
#define NNET__NR (NNET__NV * NNET__VL)
// The kernels' short fixed loops must be unrolled so the accumulators live in
// registers; -O2 alone does not always do it.
#if defined(__GNUC__) || defined(__clang__)
#define NNET__UNROLL _Pragma("GCC unroll 16")
#define NNET__INLINE __attribute__((always_inline)) inline   // inside a kernel's tile loop: no call per vector
#define NNET__NOINLINE __attribute__((noinline))
#else
#define NNET__UNROLL
#define NNET__INLINE
#define NNET__NOINLINE
#endif
// Keep a loaded vector in a register: an empty asm statement that claims to
// change v. Without it gcc folds the dot kernel's loads of op(B) into its
// FMAs, so each step loads every vector of op(B) once for each row of the
// tile: more loads than the load ports serve (docs/benchmarks.md).
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__AVX512F__) || defined(__AVX2__)) && !defined(NNET_NO_SIMD)
#define nnet__in_register(v) __asm__("" : "+v"(v))
#else
#define nnet__in_register(v) ((void)0)
#endif

// The output pass: C = alpha acc + beta C; or, for a weight gradient dW
// whose optimiser step is fused into its product (nnet__fast_layer_step),
// the step itself: g = acc + l2 w goes into the step of the weights w at
// the same place, and dW is never stored.
typedef struct nnet__epilogue {
    float alpha, beta;
    const nnet__step *step;        // NULL: C = alpha acc + beta C
    float l2;                      // the step's L2 term
    const float *gradients;        // where the weight gradients C live (to find each w, m, s)
    float *weights, *first_moment, *second_moment;   // the same layout as gradients
    int *finite;                   // set to 0 if a new weight is NaN or infinite
} nnet__epilogue;

// Record, from any thread, that a step made a weight NaN or infinite.
static void nnet__not_finite(int *finite) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
    *finite = 0;
}

// The step's three forms. The vector code below takes the form as an
// argument that is a constant wherever the work is large (the unfused step,
// a whole tile of the fused one), so each form compiles to a straight run of
// arithmetic: testing the kind in every vector would cost more than the
// arithmetic itself. Only a layer's few edge tiles pass it as a variable.
enum { NNET__MOMENTUM, NNET__NESTEROV, NNET__ADAM };
static int nnet__step_form(const nnet__step *h) {
    return h->kind != NNET_SGD ? NNET__ADAM : h->nesterov ? NNET__NESTEROV : NNET__MOMENTUM;
}

// One vector of the optimiser step, the formulas of nnet__step_range in the
// same order (so the same bits): the gradient g of the weights at w (with
// their moments m and s), `lanes` of them (the rest of the vector is 0 and
// stays 0). Stores the new w, m (and s); returns w - w: +0 in every lane
// whose new weight is finite, NaN in the others.
static NNET__INLINE nnet__vec nnet__step_vec(const nnet__step *h, int form, float *w, nnet__vec g, float *m, float *s,
                                             int lanes, int is_weight) {
    int full = lanes == NNET__VL;
    nnet__vec wk, mk = full ? nnet__vload(m) : nnet__vloadn(m, lanes);
    if (form != NNET__ADAM) {
        nnet__vec mu = nnet__vset1(h->momentum);
        mk = nnet__vadd(nnet__vmul(mu, mk), g);
        mk = nnet__vflush(mk);
        wk = nnet__vsub(full ? nnet__vload(w) : nnet__vloadn(w, lanes),
                        nnet__vmul(nnet__vset1(h->learning_rate), form == NNET__NESTEROV ? nnet__vadd(g, nnet__vmul(mu, mk)) : mk));
    } else {
        nnet__vec sk = full ? nnet__vload(s) : nnet__vloadn(s, lanes);
        wk = full ? nnet__vload(w) : nnet__vloadn(w, lanes);
        if (is_weight) wk = nnet__vmul(wk, nnet__vset1(h->decay));
        mk = nnet__vadd(nnet__vmul(nnet__vset1(h->beta1), mk), nnet__vmul(nnet__vset1(1.0f - h->beta1), g));
        mk = nnet__vflush(mk);
        sk = nnet__vadd(nnet__vmul(nnet__vset1(h->beta2), sk), nnet__vmul(nnet__vmul(nnet__vset1(1.0f - h->beta2), g), g));
        wk = nnet__vsub(wk, nnet__vmul(nnet__vset1(h->step_size),
                                       nnet__vdiv(mk, nnet__vadd(nnet__vsqrt(sk), nnet__vset1(h->eps_scaled)))));
        if (full) nnet__vstore(s, sk); else nnet__vstoren(s, sk, lanes);
    }
    if (full) { nnet__vstore(m, mk); nnet__vstore(w, wk); }
    else { nnet__vstoren(m, mk, lanes); nnet__vstoren(w, wk, lanes); }
    return nnet__vsub(wk, wk);
}

// The fused output pass of the mr x nr weight gradient tile g at C: the
// step of the weights there. Returns the sum of the new w - w. For a whole
// tile, form, mr and nr are constants where it is called; an edge tile
// passes them as variables.
static NNET__INLINE nnet__vec nnet__step_tile(nnet__vec g[NNET__MR][NNET__NV], int mr, int nr, const float *C,
                                              size_t ldc, const nnet__epilogue *e, const nnet__step *h, int form) {
    nnet__vec bad = nnet__vzero();
    size_t at = (size_t)(C - e->gradients);
    int r, v;
    NNET__UNROLL
    for (r = 0; r < NNET__MR; r++)
        NNET__UNROLL
        for (v = 0; v < NNET__NV; v++)
            if (r < mr && v * NNET__VL < nr) {
                size_t i = at + (size_t)r * ldc + (size_t)v * NNET__VL;
                bad = nnet__vadd(bad, nnet__step_vec(h, form, e->weights + i, g[r][v], e->first_moment + i,
                                                     form == NNET__ADAM ? e->second_moment + i : NULL,
                                                     nnet__min(NNET__VL, nr - v * NNET__VL), 1));
            }
    return bad;
}

// One output vector: v = alpha acc + beta c, n lanes stored.
static void nnet__output_vec(float *c, nnet__vec acc, int n, const nnet__epilogue *e) {
    nnet__vec v = nnet__vmul(nnet__vset1(e->alpha), acc);
    int full = n == NNET__VL;
    if (e->beta != 0.0f)
        v = nnet__vadd(v, nnet__vmul(nnet__vset1(e->beta), full ? nnet__vload(c) : nnet__vloadn(c, n)));
    if (full) nnet__vstore(c, v); else nnet__vstoren(c, v, n);
}

// The outer-product kernel's sums: acc[r][v] += op(A)(r, k) op(B)(k, v-th
// vector) for k = 0..K-1, with op(A)(r, k) = A[r as + k ak] and op(B)(k, j) =
// B[k ldb + j]. Rows past mr repeat the last one; columns past nr load as
// zeros. Inlined with mr and nr constants for a whole tile, so its loop has
// neither masks nor clamps, and its rows of A are one pointer when as is a
// constant too.
static NNET__INLINE void nnet__outer_sums(nnet__vec acc[NNET__MR][NNET__NV], int K, int mr, int nr, const float *A,
                                          size_t as, size_t ak, const float *B, size_t ldb) {
    const float *a[NNET__MR];
    int r, v, k;
    NNET__UNROLL
    for (r = 0; r < NNET__MR; r++) a[r] = A + (size_t)(r < mr ? r : mr - 1) * as;
    for (k = 0; k < K; k++) {
        const float *b = B + (size_t)k * ldb;
        size_t at = (size_t)k * ak;
        nnet__vec bv[NNET__NV];
        NNET__UNROLL
        for (v = 0; v < NNET__NV; v++)
            bv[v] = nr == NNET__NR ? nnet__vload(b + v * NNET__VL)
                                   : nnet__vloadn(b + v * NNET__VL, nnet__max(0, nnet__min(NNET__VL, nr - v * NNET__VL)));
        NNET__UNROLL
        for (r = 0; r < NNET__MR; r++) {
            nnet__vec ar = nnet__vset1(a[r][at]);
            NNET__UNROLL
            for (v = 0; v < NNET__NV; v++) acc[r][v] = nnet__vfma(ar, bv[v], acc[r][v]);
        }
    }
}

// Outer-product kernel: the mr x nr tile (mr <= MR, nr <= NR) of C at C,
// op(A)(i, k) = A[i as + k ak] and op(B)(k, j) = B[k ldb + j]. The sums
// start at 0, or with from_c at the tile's values in C: a product cut
// along k (nnet__gemm_column) continues each sum where it stopped, so every
// element still gets its FMAs in the order k = 0..K-1. With `fused` (a
// constant: see nnet__kernel_outer_step), the output pass is e's optimiser step.
static NNET__INLINE void nnet__kernel_outer_body(int K, int mr, int nr, const float *A, size_t as, size_t ak,
                                                 const float *B, size_t ldb, float *C, size_t ldc,
                                                 const nnet__epilogue *e, int from_c, int fused) {
    // The output pass reads a copy of *e: for all the compiler knows, a store
    // to C could change *e, so it would re-read and re-test alpha and beta at
    // every vector, which matters when K is small.
    nnet__epilogue epilogue = *e;
    nnet__vec acc[NNET__MR][NNET__NV];
    int r, v;
    NNET__UNROLL
    for (r = 0; r < NNET__MR; r++)
        NNET__UNROLL
        for (v = 0; v < NNET__NV; v++)
            acc[r][v] = from_c && r < mr ? nnet__vloadn(C + (size_t)r * ldc + v * NNET__VL,
                                                        nnet__max(0, nnet__min(NNET__VL, nr - v * NNET__VL)))
                                         : nnet__vzero();
    if (mr == NNET__MR && nr == NNET__NR) nnet__outer_sums(acc, K, NNET__MR, NNET__NR, A, as, ak, B, ldb);
    else if (nr == NNET__NR) nnet__outer_sums(acc, K, mr, NNET__NR, A, as, ak, B, ldb);   // the last rows
    else nnet__outer_sums(acc, K, mr, nr, A, as, ak, B, ldb);   // the last columns
    if (fused) {   // the optimiser step on the weights of this tile, dW never stored
        nnet__step h = *epilogue.step;   // a copy, as the epilogue's: stores to w cannot change it
        nnet__vec bad;
        int form = nnet__step_form(&h);
        if (epilogue.l2 != 0.0f) {   // g = dW + l2 w
            const float *w = epilogue.weights + (C - epilogue.gradients);
            NNET__UNROLL
            for (r = 0; r < NNET__MR; r++)
                NNET__UNROLL
                for (v = 0; v < NNET__NV; v++)
                    if (r < mr && v * NNET__VL < nr)
                        acc[r][v] = nnet__vadd(acc[r][v], nnet__vmul(nnet__vset1(epilogue.l2),
                                                                     nnet__vloadn(w + (size_t)r * ldc + v * NNET__VL,
                                                                                  nnet__min(NNET__VL, nr - v * NNET__VL))));
        }
        if (mr == NNET__MR && nr == NNET__NR && form == NNET__MOMENTUM)   // a whole tile: a straight run
            bad = nnet__step_tile(acc, NNET__MR, NNET__NR, C, ldc, &epilogue, &h, NNET__MOMENTUM);
        else if (mr == NNET__MR && nr == NNET__NR && form == NNET__NESTEROV)
            bad = nnet__step_tile(acc, NNET__MR, NNET__NR, C, ldc, &epilogue, &h, NNET__NESTEROV);
        else if (mr == NNET__MR && nr == NNET__NR)
            bad = nnet__step_tile(acc, NNET__MR, NNET__NR, C, ldc, &epilogue, &h, NNET__ADAM);
        else   // an edge tile
            bad = nnet__step_tile(acc, mr, nr, C, ldc, &epilogue, &h, form);
        if (nnet__vany(bad)) nnet__not_finite(epilogue.finite);
        return;
    }
    // A whole tile with C = acc (the training products) or C = acc + C
    // (nnet_backward's dW) is stored without a test per vector, which the
    // weight gradient's short K (the batch) makes worth a loop of its own.
    // The same bits as the general pass (1 x is x).
    if (epilogue.alpha == 1.0f && (epilogue.beta == 0.0f || epilogue.beta == 1.0f) && mr == NNET__MR && nr == NNET__NR) {
        NNET__UNROLL
        for (r = 0; r < NNET__MR; r++)
            NNET__UNROLL
            for (v = 0; v < NNET__NV; v++) {
                float *c = C + (size_t)r * ldc + v * NNET__VL;
                nnet__vstore(c, epilogue.beta == 0.0f ? acc[r][v] : nnet__vadd(acc[r][v], nnet__vload(c)));
            }
        return;
    }
    NNET__UNROLL
    for (r = 0; r < NNET__MR; r++)   // fixed bounds keep acc in registers
        NNET__UNROLL
        for (v = 0; v < NNET__NV; v++)
            if (r < mr && v * NNET__VL < nr)
                nnet__output_vec(C + (size_t)r * ldc + v * NNET__VL, acc[r][v], nnet__min(NNET__VL, nr - v * NNET__VL),
                                 &epilogue);
}

// The kernel compiled twice, once for each kind of output pass: one function
// holding both allocates registers worse for each. The fused step's op(A) is
// always dZ transposed, whose rows are adjacent floats (as = 1): with that a
// constant, the tile's rows of A are one pointer, not eight in registers.
static void nnet__kernel_outer(int K, int mr, int nr, const float *A, size_t as, size_t ak, const float *B, size_t ldb,
                               float *C, size_t ldc, const nnet__epilogue *e, int from_c) {
    nnet__kernel_outer_body(K, mr, nr, A, as, ak, B, ldb, C, ldc, e, from_c, 0);
}
static void nnet__kernel_outer_step(int K, int mr, int nr, const float *A, size_t ak, const float *B, size_t ldb,
                                    float *C, size_t ldc, const nnet__epilogue *e) {
    nnet__kernel_outer_body(K, mr, nr, A, 1, ak, B, ldb, C, ldc, e, 0, 1);
}

// Dot-product kernel: the mr x nr block (mr <= DM, nr <= DN) of C at C,
// op(A)(i, k) = A[i lda + k] and op(B)(k, j) = B[j ldb + k]. Lane l of each
// accumulator sums k = l, l + VL, ... in order; the lanes are added last.
static void nnet__kernel_dot(int K, int mr, int nr, const float *A, size_t lda,
                             const float *B, size_t ldb, float *C, size_t ldc, const nnet__epilogue *e) {
    nnet__epilogue epilogue = *e;   // as in nnet__kernel_outer
    nnet__vec acc[NNET__DM][NNET__DN];
    const float *a[NNET__DM], *b[NNET__DN];
    int r, c, k;
    NNET__UNROLL
    for (r = 0; r < NNET__DM; r++) {
        a[r] = A + (size_t)(r < mr ? r : mr - 1) * lda;
        NNET__UNROLL
        for (c = 0; c < NNET__DN; c++) acc[r][c] = nnet__vzero();
    }
    NNET__UNROLL
    for (c = 0; c < NNET__DN; c++) b[c] = B + (size_t)(c < nr ? c : nr - 1) * ldb;
    for (k = 0; k < K; k += NNET__VL) {
        nnet__vec av[NNET__DM], bv[NNET__DN];
        int n = nnet__min(NNET__VL, K - k);   // the last step reads n < VL lanes, the rest are 0
        NNET__UNROLL
        for (r = 0; r < NNET__DM; r++) {
            av[r] = n == NNET__VL ? nnet__vload(a[r] + k) : nnet__vloadn(a[r] + k, n);
            nnet__in_register(av[r]);
        }
        NNET__UNROLL
        for (c = 0; c < NNET__DN; c++) {
            bv[c] = n == NNET__VL ? nnet__vload(b[c] + k) : nnet__vloadn(b[c] + k, n);
            nnet__in_register(bv[c]);
        }
        NNET__UNROLL
        for (r = 0; r < NNET__DM; r++)
            NNET__UNROLL
            for (c = 0; c < NNET__DN; c++) acc[r][c] = nnet__vfma(av[r], bv[c], acc[r][c]);
    }
    NNET__UNROLL
    for (r = 0; r < NNET__DM; r++) {
        float sum[4];
        if (r >= mr) continue;
        nnet__vsum4(sum, acc[r][0], acc[r][1], acc[r][2], acc[r][3]);   // (DN is 4)
        // A whole row of the block with Z = sums, the forward pass's: one
        // copy. The same bits as the general loop below (1 x is x).
        if (nr == 4 && epilogue.alpha == 1.0f && epilogue.beta == 0.0f) {
            memcpy(C + (size_t)r * ldc, sum, sizeof sum);
            continue;
        }
        for (c = 0; c < nr; c++) {
            float *out = C + (size_t)r * ldc + c, v = epilogue.alpha * sum[c];
            if (epilogue.beta != 0.0f) v += epilogue.beta * *out;
            *out = v;
        }
    }
}

// ---- 18. The thread team ---------------------------------------------------
// Work shared by threads. A job is a function of (t, T) that does share t of
// T; the shares split the work without changing any sum's order, so any
// thread may run any share, and running all T of them on one thread (or the
// job as (0, 1)) gives the same bits. nnet__run_job runs one on `threads`
// threads: on nnet_train's team when there is one (below), else in an OpenMP
// parallel region of its own, else on this thread alone. Without OpenMP
// everything is serial.
typedef void (*nnet__job)(void *job, int t, int T);

// nnet_train's team. Opening an OpenMP parallel region costs microseconds,
// and a training batch needs several, so nnet_train opens one region for its
// whole run (nnet__train_on_team): thread 0 runs the training loop, the others
// wait for the jobs it hands out. Thread 0 publishes a job by clearing the
// shares' `taken` flags and bumping `round`; each thread takes its own share
// first, then any share still free, and counts each share it ran in
// `finished`; thread 0 returns when all are finished.
// The machine may be shared, and then a thread may wait for one whose core
// went to another program. So a waiting thread spins only for a moment, then
// naps, longer and longer, giving its core to whoever has work; a share whose
// thread is late is run by whoever is free, thread 0 included. And thread 0
// times windows of NNET__TEAM_WINDOW seconds of the loop (the work between
// jobs too, which the others' spinning may slow) and keeps to whichever way,
// on the team or alone, did more jobs a second:
// - On the team, it estimates the window alone: the time outside jobs plus
//   its own shares' time scaled up to every share. While the team beats that
//   by NNET__TEAM_DOUBT, alone is never timed (an idle machine). When it does
//   not (the others ran few shares, or thread 0 waited for them), the next
//   window is timed alone.
// - Alone by preference, it times the team again, and ends that window after
//   a quarter if the team is doing worse (a busy machine can make it slow).
// - The team is chosen when it did NNET__TEAM_MARGIN times the jobs a second
//   of the window alone: a team no faster than one thread only takes a core
//   from other programs. After a choice, 1, 3, 7 ... or at most
//   NNET__TEAM_WAIT_MAX windows pass before the other way is timed again (or,
//   on the team, doubted).
#define NNET__TEAM_MAX 256         // largest team; more threads open a region per job
typedef struct nnet__team {
    int size;                      // threads in the team, thread 0 included
    nnet__job job_function;
    void *job;
    int taken[NNET__TEAM_MAX];     // share t taken this round
    int round, finished, stop;     // read and written with OpenMP atomics only, like taken
    // Thread 0's choice: run jobs alone now, and by preference; the windows
    // left before timing the other way, and how many to leave the next time;
    // this window's jobs and start; each way's seconds per job in its last
    // window. On the team: this window's shares (all, and thread 0's), and
    // seconds in jobs and in thread 0's shares.
    int alone, prefer_alone, left, wait, jobs, shares, own_shares;
    double start, per_job[2], job_seconds, own_seconds;
} nnet__team;

#ifdef _OPENMP
#if defined(__SSE2__) || defined(_M_X64)
#define nnet__spin_pause() _mm_pause()   // tell the core we are spinning
#else
#define nnet__spin_pause() ((void)0)
#endif
#define NNET__TEAM_SPIN 200e-6       // seconds a waiting thread spins before it naps
#define NNET__TEAM_NAP 50000L        // nanoseconds of the first nap; each next one is twice as long,
#define NNET__TEAM_NAP_MAX 10000000L // up to this while waiting for a job (thread 0 keeps to the first:
                                     // the share it waits for is almost done)
#define NNET__TEAM_WINDOW 0.05       // seconds timed one way
#define NNET__TEAM_WAIT_MAX 31       // most windows before timing the other way again
#define NNET__TEAM_MARGIN 1.1        // the team is chosen when it did this many times the jobs a second
#define NNET__TEAM_DOUBT 1.25        // on the team, time alone when the estimate alone is not this much slower

// Wait until *x == value (equal) or *x != value (!equal); return *x then.
// Naps grow up to longest nanoseconds.
static int nnet__team_wait(int *x, int value, int equal, long longest) {
    double start = 0.0;
    long nap = 0;                  // 0 while spinning
    int seen, spins = 0;
    for (;;) {
#pragma omp atomic read seq_cst
        seen = *x;
        if ((seen == value) == equal) return seen;
        if (nap) {
#if defined(__unix__) || defined(__APPLE__)
            struct timespec duration;
            duration.tv_sec = 0; duration.tv_nsec = nap;
            nanosleep(&duration, NULL);
            nap = nap < longest / 2 ? 2 * nap : longest;
#else
            nnet__spin_pause();
#endif
        } else if (++spins % 256) {
            nnet__spin_pause();
        } else if (start == 0.0) {
            start = nnet__seconds();
        } else if (nnet__seconds() - start > NNET__TEAM_SPIN) {
            nap = NNET__TEAM_NAP;
        }
    }
}

// Run every share still free, thread t's own first; return how many it ran.
static int nnet__team_work(nnet__team *team, int t) {
    int k, was, ran = 0;
    for (k = 0; k < team->size; k++) {
        int share = (t + k) % team->size;
#pragma omp atomic capture seq_cst
        { was = team->taken[share]; team->taken[share] = 1; }
        if (was) continue;
        team->job_function(team->job, share, team->size);
        ran++;
#pragma omp atomic update seq_cst
        team->finished++;
    }
    return ran;
}

// Thread 0: run `function` on the team, or alone, whichever has been faster.
static void nnet__team_run(nnet__team *team, nnet__job function, void *job) {
    double begin = nnet__seconds(), seconds;
    int t, probe_worse, doubt;
    if (team->alone) {
        function(job, 0, 1);
    } else {
        team->job_function = function;
        team->job = job;
#pragma omp atomic write seq_cst
        team->finished = 0;
        for (t = 0; t < team->size; t++) {
#pragma omp atomic write seq_cst
            team->taken[t] = 0;
        }
#pragma omp atomic update seq_cst
        team->round++;
        team->own_shares += nnet__team_work(team, 0);
        team->own_seconds += nnet__seconds() - begin;
        nnet__team_wait(&team->finished, team->size, 1, NNET__TEAM_NAP);
        team->shares += team->size;
    }
    team->jobs++;
    seconds = nnet__seconds();
    if (!team->alone) team->job_seconds += seconds - begin;
    seconds -= team->start;
    // Timing the team against alone: end after a quarter if it is doing worse.
    probe_worse = team->prefer_alone && !team->alone && NNET__TEAM_MARGIN * seconds / team->jobs >= team->per_job[1];
    if (seconds < NNET__TEAM_WINDOW && !(probe_worse && seconds >= NNET__TEAM_WINDOW / 4)) return;
    // The window's end. On the team: would alone have done nearly as well?
    doubt = !team->alone && team->own_shares > 0 &&
            NNET__TEAM_DOUBT * seconds > seconds - team->job_seconds + team->own_seconds * team->shares / team->own_shares;
    team->per_job[team->alone] = seconds / team->jobs;
    team->jobs = team->shares = team->own_shares = 0;
    team->job_seconds = team->own_seconds = 0.0;
    team->start += seconds;
    if (team->alone != team->prefer_alone) {   // the other way timed: choose
        int alone = NNET__TEAM_MARGIN * team->per_job[0] >= team->per_job[1];
        team->wait = alone == team->prefer_alone ? nnet__min(2 * team->wait + 1, NNET__TEAM_WAIT_MAX) : 1;
        team->alone = team->prefer_alone = alone;
        team->left = team->wait;
    } else if (team->left > 0) {
        team->left--;
    } else {   // time the other way: the team again, or alone if in doubt
        team->alone = team->prefer_alone ? 0 : doubt;
    }
}

// Thread 0: send the others home.
static void nnet__team_stop(nnet__team *team) {
#pragma omp atomic write seq_cst
    team->stop = 1;
#pragma omp atomic update seq_cst
    team->round++;
}

// Threads 1 .. size-1: run shares of every job until thread 0 stops the team.
static void nnet__team_serve(nnet__team *team, int t) {
    int round = 0, stop;
    for (;;) {
        round = nnet__team_wait(&team->round, round, 0, NNET__TEAM_NAP_MAX);
#pragma omp atomic read seq_cst
        stop = team->stop;
        if (stop) return;
        nnet__team_work(team, t);
    }
}
#endif

// The threads of the nnet_train that runs on this thread, if one does: how
// many, and its team (NULL when each job opens an OpenMP region of its own).
// 0 threads: no nnet_train runs here, and every job runs on this thread.
typedef struct nnet__threading { int threads; nnet__team *team; } nnet__threading;
static NNET__THREAD_LOCAL nnet__threading nnet__training_threads;

// Run a job on this thread's nnet_train threads, or on this thread alone
// when `parallel` is 0 (too little work to share).
static void nnet__run_job(int parallel, nnet__job function, void *job) {
    int threads = parallel ? nnet__training_threads.threads : 1;
#ifdef _OPENMP
    nnet__team *team = nnet__training_threads.team;
    if (team && threads > 1) {
        nnet__team_run(team, function, job);
        return;
    }
    if (threads > 1) {
#pragma omp parallel num_threads(threads)
        function(job, omp_get_thread_num(), omp_get_num_threads());
        return;
    }
#endif
    (void)threads;
    function(job, 0, 1);
}

// Run body(arg) on this thread with `threads` threads for its jobs: as a
// team's thread 0 when there are no more threads than cores, else opening a
// region for each job (a team's threads would wait for threads without a
// core).
static void nnet__with_threads(int threads, void (*body)(void *), void *arg) {
#ifdef _OPENMP
    if (threads > 1 && threads <= omp_get_num_procs() && threads <= NNET__TEAM_MAX) {
        nnet__team team;
        memset(&team, 0, sizeof team);
#pragma omp parallel num_threads(threads)
        {
            if (omp_get_thread_num() == 0) {
                team.size = omp_get_num_threads();
                team.start = nnet__seconds();
                team.wait = 1;   // on the team first
                nnet__training_threads.threads = team.size;
                nnet__training_threads.team = &team;
                body(arg);
                nnet__training_threads.threads = 0;
                nnet__training_threads.team = NULL;
                nnet__team_stop(&team);
            } else {
                nnet__team_serve(&team, omp_get_thread_num());
            }
        }
        return;
    }
#endif
    nnet__training_threads.threads = threads;
    body(arg);
    nnet__training_threads.threads = 0;
}

typedef struct nnet__train_call {
    nnet *net;
    const nnet_dataset *train, *validation;
    const nnet_train_desc *desc;
    nnet_epoch_stats *history;
    int *epochs_run, status;
} nnet__train_call;

static void nnet__train_call_run(void *call) {
    nnet__train_call *c = (nnet__train_call *)call;
    c->status = nnet_train(c->net, c->train, c->validation, c->desc, c->history, c->epochs_run);
}

// The seam's nnet__train_on_team: nnet_train with desc->threads threads for
// the whole call. nnet_train runs again on them and is told to go ahead
// (NNET__RUN_HERE), as it is with one thread.
static int nnet__train_on_team(nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                               const nnet_train_desc *desc, nnet_epoch_stats *history, int *epochs_run) {
    nnet__train_call c;
    if (desc->threads <= 1 || nnet__training_threads.threads) return NNET__RUN_HERE;
    c.net = net; c.train = train; c.validation = validation; c.desc = desc;
    c.history = history; c.epochs_run = epochs_run; c.status = NNET_OK;
    nnet__with_threads(desc->threads, nnet__train_call_run, &c);
    return c.status;
}

// Thread t of T takes [begin, end) of count rows (or columns), cut at
// multiples of `unit`: a product's tile rows or columns, or in nnet_train's
// SGD step, the same weight rows as in the layer's products.
static void nnet__share(int count, int unit, int T, int t, int *begin, int *end) {
    int tiles = (count + unit - 1) / unit;
    *begin = nnet__min(count, (int)((long long)tiles * t / T) * unit);
    *end = nnet__min(count, (int)((long long)tiles * (t + 1) / T) * unit);
}

// ---- 19. Products, batches and steps on the team ---------------------------
// One product, cut into tiles: column tile jt of rows [i0, i1) of C.
typedef struct nnet__gemm_job {
    nnet_transpose ta, tb;
    int N, K, tm, tn;          // tm x tn: the kernel's tile
    nnet_mat A, B, C;
    nnet__epilogue e;
    size_t as, ak;             // outer kernel: op(A)(i, k) = A[i as + k ak]
    int pack;                  // copy op(B)'s panels (outer kernel; see below)
} nnet__gemm_job;

// Packing. When op(B) is larger than L2 (NNET__PACK_BYTES), a column tile's
// panel of it (K rows of NR floats, one row of B apart) is read from memory
// for every row tile, and with a row length of a power of two (2048 floats:
// 8 KB) its rows also fall into the same few cache sets and evict each
// other. So the panel is copied, NNET__KC rows at a time, into a contiguous
// block on the stack that stays in L1 while every row tile of the chunk uses
// it; each tile's sums go to C between blocks and carry on from there, which
// keeps the order of every sum (nnet__kernel_outer's from_c). It needs
// beta = 0, as the training products have: C holds partial sums meanwhile.
#define NNET__PACK_BYTES (1u << 20)
#define NNET__KC 256

static void nnet__gemm_packed(const nnet__gemm_job *g, int j, int nr, int i0, int i1) {
    float panel[NNET__KC * NNET__NR];
    size_t ldb = (size_t)g->B.cols, ldc = (size_t)g->C.cols;
    nnet__epilogue partial;   // between blocks: the plain sums
    int k0, k, i;
    partial = g->e;
    partial.alpha = 1.0f; partial.beta = 0.0f; partial.step = NULL;
    for (k0 = 0; k0 < g->K; k0 += NNET__KC) {
        int kc = nnet__min(NNET__KC, g->K - k0), last = k0 + kc == g->K;
        for (k = 0; k < kc; k++)
            memcpy(panel + (size_t)k * NNET__NR, g->B.data + (size_t)(k0 + k) * ldb + j, (size_t)nr * sizeof(float));
        for (i = i0; i < i1; i += g->tm)
            nnet__kernel_outer(kc, nnet__min(g->tm, i1 - i), nr, g->A.data + (size_t)i * g->as + (size_t)k0 * g->ak,
                               g->as, g->ak,
                               panel, NNET__NR, g->C.data + (size_t)i * ldc + j, ldc, last ? &g->e : &partial, k0 > 0);
    }
}

// Column tile jt of rows [i0, i1) of C, op(A)'s row i0 at `a` and its
// k-th element ak floats on (A itself, or a packed block of it).
static void nnet__gemm_column(const nnet__gemm_job *g, int jt, int i0, int i1, const float *a, size_t ak) {
    size_t ldb = (size_t)g->B.cols, ldc = (size_t)g->C.cols;
    int j = jt * g->tn, nr = nnet__min(g->tn, g->N - j), i;
    if (g->pack) {
        nnet__gemm_packed(g, j, nr, i0, i1);
        return;
    }
    for (i = i0; i < i1; i += g->tm) {
        int mr = nnet__min(g->tm, i1 - i);
        const float *ai = a + (size_t)(i - i0) * g->as;
        float *c = g->C.data + (size_t)i * ldc + j;
        if (g->tb)
            nnet__kernel_dot(g->K, mr, nr, ai, g->as, g->B.data + (size_t)j * ldb, ldb, c, ldc, &g->e);
        else if (g->e.step)   // (dW = dZ^T X: as is 1)
            nnet__kernel_outer_step(g->K, mr, nr, ai, ak, g->B.data + j, ldb, c, ldc, &g->e);
        else
            nnet__kernel_outer(g->K, mr, nr, ai, g->as, ak, g->B.data + j, ldb, c, ldc, &g->e, 0);
    }
}

// Packing op(A). In dW = dZ^T X a row tile of op(A) is MR adjacent floats
// in each of the K rows of dZ, a row of dZ (the layer's width) apart. When
// that width is a multiple of 256 floats (1 KB), the K lines fall into at
// most 4 of L1's 64 sets (addresses 4 KB apart share a set) and evict each
// other while every column tile reads them again. Then the row tile is
// first copied into a K x MR block; the sums and their order are the same.
#define NNET__PACK_A_ROWS 256

// Row tile [i0, i1) of dZ^T X by way of a packed block of op(A). Not
// inlined: with the block in nnet__gemm_block's own frame, the products
// that are not packed ran slower (docs/benchmarks.md).
static NNET__NOINLINE void nnet__gemm_row_tile_packed(const nnet__gemm_job *g, int i0, int i1, int j0, int j1) {
    float block[NNET__PACK_A_ROWS * NNET__MR];
    const float *a = g->A.data + i0;   // (as is 1)
    int k, jt;
    for (k = 0; k < g->K; k++)   // (a whole tile's copy has a constant size: no call to memcpy)
        if (i1 - i0 == NNET__MR) memcpy(block + k * NNET__MR, a + (size_t)k * g->ak, NNET__MR * sizeof(float));
        else memcpy(block + k * NNET__MR, a + (size_t)k * g->ak, (size_t)(i1 - i0) * sizeof(float));
    for (jt = j0; jt < j1; jt++) nnet__gemm_column(g, jt, i0, i1, block, NNET__MR);
}

// Rows [r0, r1) and column tiles [j0, j1) of C. Rows of op(A) are taken
// `chunk` at a time, about 384 KB of them, so that they stay in L2 while every
// column tile passes over them (one chunk for the shapes of a small MLP). A
// packed product reads only NNET__KC columns of them at a time, so its
// chunk is counted in those: counted over all K, a wide layer's chunk would
// be a few rows, each reading and packing all of op(B) again.
static void nnet__gemm_block(const nnet__gemm_job *g, int r0, int r1, int j0, int j1) {
    int width = g->pack ? nnet__min(g->K, NNET__KC) : g->K;   // the columns of op(A) read at a time
    int chunk = nnet__max(g->tm, 98304 / nnet__max(width, 1) / g->tm * g->tm), i0, jt;
    // dW = dZ^T X with op(B) (K x N) small enough to stay in L2: row after
    // row of tiles, so C, and in nnet_train the W and V of the step that
    // follows, are walked in order, not down a column of tiles (stride N
    // floats), which the prefetchers follow badly.
    int by_row_tile = g->ta && (size_t)g->K * (size_t)g->N <= 65536;
    int pack_a = by_row_tile && g->K <= NNET__PACK_A_ROWS && g->ak % 256 == 0;
    if (by_row_tile) chunk = g->tm;
    for (i0 = r0; i0 < r1; i0 += chunk) {
        int i1 = nnet__min(r1, i0 + chunk);
        if (pack_a) nnet__gemm_row_tile_packed(g, i0, i1, j0, j1);
        else
            for (jt = j0; jt < j1; jt++) nnet__gemm_column(g, jt, i0, i1, g->A.data + (size_t)i0 * g->as, g->ak);
    }
}

// Thread t's band of a product (a nnet__job).
static void nnet__gemm_share(void *job, int t, int T) {
    const nnet__gemm_job *g = (const nnet__gemm_job *)job;
    int tiles_n = (g->N + g->tn - 1) / g->tn, begin, end;
    if (g->ta) {
        nnet__share(g->C.rows, g->tm, T, t, &begin, &end);
        nnet__gemm_block(g, begin, end, 0, tiles_n);
    } else {
        nnet__share(tiles_n, 1, T, t, &begin, &end);
        nnet__gemm_block(g, 0, g->C.rows, begin, end);
    }
}

// The seam's nnet__fast_gemm: nnet_gemm's product C = alpha op(A) op(B) +
// beta C, on nnet_train's threads. The tile grid is the same for any thread count, and each thread takes a
// band of it, so no element is ever summed by two threads. The band is cut
// across the layer's weight rows: the columns of Z = X W^T, the rows of
// dW = dZ^T X (op(A) transposed), so one thread keeps the same rows of W in
// its cache through the forward pass, the backward pass and the SGD step.
static void nnet__gemm_run(nnet_transpose ta, nnet_transpose tb, nnet_mat A, nnet_mat B, nnet_mat C,
                           const nnet__epilogue *e) {
    int M = C.rows, tiles_n;
    nnet__gemm_job g;
    g.ta = ta; g.tb = tb; g.N = C.cols; g.K = nnet__op_cols(A, ta);
    g.A = A; g.B = B; g.C = C; g.e = *e;
    if (M == 0 || g.N == 0) return;
    g.tm = tb ? NNET__DM : NNET__MR;
    g.tn = tb ? NNET__DN : NNET__NR;
    g.as = ta ? 1 : (size_t)A.cols;   // op(A)(i, k) = A[k][i] when A is transposed
    g.ak = ta ? (size_t)A.cols : 1;
    // (packed blocks leave partial sums in C: not with a fused step, which never stores C)
    g.pack = !tb && e->beta == 0.0f && !e->step && (double)g.K * B.cols * sizeof(float) > NNET__PACK_BYTES;
    tiles_n = (g.N + g.tn - 1) / g.tn;
    // Too little work to pay for handing it out (an OpenMP region costs
    // microseconds, a job on nnet_train's team less): stay on this thread.
    nnet__run_job((double)M * g.N * g.K >= 65536.0 && (ta ? M > g.tm : tiles_n >= 2), nnet__gemm_share, &g);
}

static void nnet__fast_gemm(nnet_transpose ta, nnet_transpose tb, float alpha, nnet_mat A, nnet_mat B,
                            float beta, nnet_mat C) {
    nnet__epilogue e;
    memset(&e, 0, sizeof e);
    e.alpha = alpha; e.beta = beta;
#ifdef NNET_USE_CBLAS
    // For comparison: the BLAS product.
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, C.rows, C.cols,
                nnet__op_cols(A, ta), alpha, A.data, A.cols, B.data, B.cols, beta, C.data, C.cols);
    return;
#endif
    if (ta && tb) {   // A^T B^T: no layer needs it; the plain loop
        nnet_gemm_reference(ta, tb, alpha, A, B, beta, C);
        return;
    }
    nnet__gemm_run(ta, tb, A, B, C, &e);
}

typedef struct nnet__gather_job {
    nnet_mat X, T;
    const nnet_dataset *data;
    const int *order;
    int start;
} nnet__gather_job;

// Thread t's share of a batch's rows (nnet__gather_rows). Then it
// prefetches every line of the same rows of the next batch, and their
// labels or targets: a copy of rows scattered over the dataset waits on
// memory, and this batch's products hide the wait.
static void nnet__gather_share(void *job, int t, int T) {
    const nnet__gather_job *g = (const nnet__gather_job *)job;
    size_t bytes = nnet__sample_size(g->data), k;
    int begin, end, i, N = g->data->inputs.rows;
    nnet__share(g->X.rows, 1, T, t, &begin, &end);
    nnet__gather_rows(g->X, g->T, g->data, g->order, g->start, begin, end);
    for (i = begin; i < end && g->start + g->X.rows + i < N; i++) {
        int next = g->start + g->X.rows + i;
        int row = g->order ? g->order[next] : next;
        const char *from = nnet__sample(g->data, row);
        for (k = 0; k < bytes; k += 64) nnet__prefetch(from + k);   // (64 bytes: a cache line)
        nnet__prefetch(from + bytes - 1);
        if (!g->T.data) continue;
        if (g->data->labels) nnet__prefetch(&g->data->labels[row]);
        else nnet__prefetch(&NNET_AT(g->data->targets, row, 0));
    }
}

// The seam's nnet__fast_gather: each thread copies a share of the rows. The
// copies mostly wait on memory, so they overlap, and each thread's share of
// the batch is then in its own cache for the forward product.
static void nnet__fast_gather(nnet_mat X, nnet_mat T, const nnet_dataset *data, const int *order, int start) {
    nnet__gather_job g;
    g.X = X; g.T = T; g.data = data; g.order = order; g.start = start;
    nnet__run_job(nnet__count(X) >= 16384, nnet__gather_share, &g);
}

// nnet__step_range, VL lanes at a time (the last vector masked: its lanes
// past n are zeros, which step to zeros): the same operations in the same
// order, so the same bits. Returns 1 when every new w is finite: the sum of
// w - w is then +0 in every lane, all bits clear, and NaN in a lane if not.
static NNET__INLINE int nnet__step_run(const nnet__step *h, int form, float *w, const float *g, float *m, float *s,
                                       size_t n, int is_weight) {
    nnet__vec bad = nnet__vzero();
    size_t k;
    for (k = 0; k < n; k += NNET__VL) {
        int lanes = n - k < NNET__VL ? (int)(n - k) : NNET__VL;
        nnet__vec gk = lanes == NNET__VL ? nnet__vload(g + k) : nnet__vloadn(g + k, lanes);
        bad = nnet__vadd(bad, nnet__step_vec(h, form, w + k, gk, m + k, s ? s + k : NULL, lanes, is_weight));
    }
    return !nnet__vany(bad);
}

static int nnet__step_vectors(const nnet__step *h, float *w, const float *g, float *m, float *s, size_t n, int is_weight) {
    switch (nnet__step_form(h)) {   // one loop for each form
    case NNET__MOMENTUM: return nnet__step_run(h, NNET__MOMENTUM, w, g, m, s, n, is_weight);
    case NNET__NESTEROV: return nnet__step_run(h, NNET__NESTEROV, w, g, m, s, n, is_weight);
    default: return nnet__step_run(h, NNET__ADAM, w, g, m, s, n, is_weight);
    }
}

typedef struct nnet__step_job {
    nnet *net;
    const nnet__step *h;
    int finite;
} nnet__step_job;

// Thread t's share of the step: in every layer the band of weight rows that
// thread t has in the layer's weight-gradient product (so those rows are in
// its cache), and the last thread takes the biases. Element by element, so
// any split gives the same bits.
static void nnet__step_share(void *job, int t, int T) {
    nnet__step_job *j = (nnet__step_job *)job;
    nnet *net = j->net;
    float *s = net->optimizer.second_moment;
    int l, finite = 1;
    for (l = 0; l < net->n_layers; l++) {
        const nnet_layer *layer = &net->layers[l];
        size_t w = (size_t)(layer->weight.data - net->parameters), b = (size_t)(layer->bias - net->parameters);
        size_t inputs = (size_t)layer->n_inputs;
        int begin, end;
        nnet__share(layer->n_outputs, NNET__MR, T, t, &begin, &end);   // as nnet__gemm_share cuts dW = dZ^T X
        w += (size_t)begin * inputs;
        finite &= nnet__step_vectors(j->h, net->parameters + w, net->gradients + w, net->optimizer.first_moment + w,
                                     s ? s + w : NULL, (size_t)(end - begin) * inputs, 1);
        if (t == T - 1)
            finite &= nnet__step_vectors(j->h, net->parameters + b, net->gradients + b, net->optimizer.first_moment + b,
                                         s ? s + b : NULL, (size_t)layer->n_outputs, 0);
    }
    if (!finite) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
        j->finite = 0;
    }
}

// The seam's nnet__fast_step: the optimiser step on nnet_train's threads
// (one below 65536 parameters). 1 if every new weight is finite.
static int nnet__fast_step(nnet *net, const nnet__step *h) {
    nnet__step_job j;
    j.net = net; j.h = h; j.finite = 1;
    nnet__run_job(net->n_parameters >= 65536, nnet__step_share, &j);
    return j.finite;
}

// The seam's nnet__fast_layer_step: a layer's optimiser step straight from
// its dZ (B, O) and input X (B, I), inside nnet_backward: the biases from
// the column sums of dZ, the weights in the output pass of dW = dZ^T X,
// tile by tile, while the tile's weights are in cache, so the weight
// gradient is never stored (its rows are cut among the threads as the
// unfused step cuts them). The same bits as nnet_dense_backward, the L2 term
// and nnet__fast_step. 1 if every new weight is finite.
static int nnet__fast_layer_step(nnet *net, nnet_layer *layer, nnet_mat dZ, nnet_mat X, const nnet__step *h, float l2) {
    float *second = net->optimizer.second_moment;
    size_t b = (size_t)(layer->bias - net->parameters);
    int finite = 1;
    nnet__epilogue e;
    memset(&e, 0, sizeof e);
    e.alpha = 1.0f; e.step = h; e.l2 = l2; e.finite = &finite;
    e.gradients = net->gradients; e.weights = net->parameters;
    e.first_moment = net->optimizer.first_moment; e.second_moment = second;
    nnet_column_sums(layer->bias_grad, dZ);   // db (from zero), its step, and back to zero
    finite &= nnet__step_vectors(h, layer->bias, layer->bias_grad, e.first_moment + b, second ? second + b : NULL,
                                 (size_t)layer->n_outputs, 0);
    memset(layer->bias_grad, 0, (size_t)layer->n_outputs * sizeof(float));
    nnet__gemm_run(NNET_TRANS, NNET_NO_TRANS, dZ, X, layer->weight_grad, &e);
    return finite;
}

#if defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif // NNET_REFERENCE

#endif // NNET_IMPLEMENTATION_DONE
#endif // NNET_IMPLEMENTATION

/*
------------------------------------------------------------------------------
REVISION HISTORY
   0.2  (2026-12-07) any targets, Adam(W), resumable training, the reading build.
   0.1  (2026-11-22) first release.

------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 the nnet.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication in addition to any other rights under
copyright law.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN
ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
*/
