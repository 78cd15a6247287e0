/* nnet.h - v0.1 - multilayer perceptrons in one C file - public domain or MIT

   Do this:
      #define NNET_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the
   implementation. Every other file just includes it:

      #include ...
      #define NNET_IMPLEMENTATION
      #include "nnet.h"

   QUICK START (train a 784-128-10 classifier and use it)

      nnet_desc d = {0};                       // zero means "default"
      d.n_inputs = 784; d.n_layers = 2;
      d.sizes[0] = 128; d.sizes[1] = 10;       // ReLU hidden, softmax output
      nnet *net = nnet_create(&d);             // Kaiming init, seed 0
      if (!net) { fprintf(stderr, "%s\n", nnet_error()); return 1; }

      nnet_train_desc t = {0};
      t.epochs = 10; t.batch_size = 32; t.learning_rate = 0.05f;
      t.momentum = 0.9f; t.schedule = NNET_SCHEDULE_COSINE;
      if (nnet_train(net, train, test, &t, NULL, NULL) != NNET_OK)
          fprintf(stderr, "%s\n", nnet_error());

      int *predicted = malloc(test->inputs.rows * sizeof(int));
      nnet_predict_classes(net, test->inputs, predicted);
      nnet_free(net);

   COMPILE-TIME OPTIONS (define before including; "all TUs" means every file
   that includes nnet.h must agree, "impl TU" only the NNET_IMPLEMENTATION one)
      NNET_STATIC          all TUs   make every function static (private copy)
      NNET_ASSERT(x)       impl TU   internal invariant check; default assert()
      NNET_MALLOC(size)    impl TU   allocator; define NNET_FREE(p) with it
      NNET_FREE(p)         impl TU   (all-or-none: defining one alone is an #error)
      NNET_MAX_DIM         impl TU   largest dimension accepted from a caller or
                                     a file; default 16777216 (2^24)
      NNET_NO_STDIO        all TUs   drop every function that takes a FILE* or a path

   CONVENTIONS
      Shapes. Matrices are float32, row-major, one sample per row. In shape
      comments B = batch size (rows), I = inputs of a layer, O = outputs of a
      layer, N = samples in a dataset, C = classes. A layer's weight is (O, I),
      as in PyTorch's nn.Linear, so the forward pass is Y = f(X W^T + b).
      Ownership. The caller owns what it passes in. Everything a *_create or
      *_load returns is freed by the matching *_free; freeing NULL is a no-op.
      Errors. Fallible functions return an int status: NNET_OK (0) or a negative
      NNET_ERR_* code. Constructors and loaders return NULL on failure. Either
      way nnet_error() then returns a sentence saying what failed and where
      (per thread). The library never prints, exits or aborts on bad input;
      NNET_ASSERT guards only internal invariants.
      Randomness. Everything random (initial weights, shuffling, dropout) comes
      from an nnet_rng seeded by the caller: one seed, bit-identical results.

   LICENSE: see the end of the file.

   RECENT CHANGES
      0.1  first release: dense layers, five activations, three losses,
           seven initialisers, dropout, L2, SGD with momentum and schedules,
           metrics and the classification report.
*/
#ifndef NNET_H_INCLUDED
#define NNET_H_INCLUDED

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* uint64_t, uint32_t */
#ifndef NNET_NO_STDIO
#include <stdio.h>    /* FILE for the report printers */
#endif

#define NNET_VERSION_MAJOR 0
#define NNET_VERSION_MINOR 1
#define NNET_VERSION_STRING "0.1"

#ifdef NNET_STATIC
#define NNETDEF static
#else
#define NNETDEF extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

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
// are Y = X W^T, dW = dZ^T X and dX = dZ W. Returns NNET_ERR_ARGUMENT when the
// shapes do not chain or a pointer is NULL. C must not overlap A or B.
NNETDEF int nnet_gemm(nnet_transpose trans_a, nnet_transpose trans_b, float alpha,
                      nnet_mat A, nnet_mat B, float beta, nnet_mat C);
// The same product computed by the plain triple loop: the reference the fast
// path is tested against. Slow; for tests and teaching.
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
    NNET_ACT_DEFAULT = 0,   // ReLU for hidden layers, softmax for the output layer
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
// Losses are averaged over the batch. T holds the targets, (B, O): one-hot
// rows for cross-entropy, 0/1 for binary cross-entropy, anything for MSE.
typedef enum nnet_loss {
    NNET_LOSS_DEFAULT = 0,        // from the output activation: softmax -> CE, sigmoid -> BCE, else MSE
    NNET_LOSS_CROSS_ENTROPY,      // softmax output:  L = -1/B sum_i sum_j t_ij log p_ij
    NNET_LOSS_BINARY_CROSS_ENTROPY, // sigmoid output: L = -1/(B O) sum t log p + (1-t) log(1-p)
    NNET_LOSS_MSE,                // any output:     L = 1/(B O) sum (y - t)^2
    NNET_LOSS_COUNT_
} nnet_loss;

NNETDEF const char *nnet_loss_name(nnet_loss loss);  // "ce", "bce", "mse"
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

// ---- 7. Networks -----------------------------------------------------------
#define NNET_MAX_LAYERS 16

// What to build. Zero-initialise it and set n_inputs, n_layers and sizes;
// every other zero field means its default.
typedef struct nnet_desc {
    int n_inputs;                                 // I of the first layer
    int n_layers;                                 // dense layers, 1..NNET_MAX_LAYERS
    int sizes[NNET_MAX_LAYERS];                   // O of each layer; the last is the output size
    nnet_activation activations[NNET_MAX_LAYERS]; // per layer; default ReLU / softmax (sigmoid for 1 output)
    float dropout[NNET_MAX_LAYERS];               // drop probability on each layer's output, [0, 1); 0 for the output layer
    float leaky_slope;                            // leaky ReLU slope, (0, 1); default 0.01
    nnet_loss loss;                               // default: from the output activation
    nnet_init init;                               // default: see NNET_INIT_DEFAULT
    float init_scale;                             // a of NNET_INIT_UNIFORM; default 0.5
    uint64_t seed;                                // seed of the initial weights
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

// A network. Read its fields; change them only through the functions below.
typedef struct nnet {
    int n_inputs;                       // I of the first layer
    int n_layers;
    nnet_loss loss;
    float leaky_slope;
    nnet_layer layers[NNET_MAX_LAYERS];
    size_t n_parameters;                // weights and biases, all layers
    float *parameters;                  // (n_parameters) W_0 b_0 W_1 b_1 ... in one block
    float *gradients;                   // (n_parameters) same layout
    float *velocity;                    // (n_parameters) momentum buffer, same layout
    nnet_mat logits;                    // (B, O) z of the output layer, for stable losses
    nnet_mat targets;                   // (B, O) targets built from labels
    int batch;                          // B of the last forward pass
    int dropout_active;                 // the last forward pass applied dropout masks
    int batch_capacity;                 // rows the workspace holds
    float *workspace;                   // outputs, deltas, masks, logits, targets
    int threads;                        // threads for the matrix products (1 = serial)
} nnet;

// Build a network from a description, with initial weights drawn from
// desc->seed. Returns NULL on bad input (see nnet_error). Free with nnet_free.
NNETDEF nnet *nnet_create(const nnet_desc *desc);
NNETDEF void nnet_free(nnet *net);
// The output size (O of the last layer).
NNETDEF int nnet_output_size(const nnet *net);
// The outputs of the last forward pass, (B, O): probabilities for softmax or
// sigmoid outputs.
NNETDEF nnet_mat nnet_output(const nnet *net);
// Make room for batches of up to `rows` samples. nnet_train and nnet_predict
// call it; call it yourself before nnet_forward to keep allocation out of
// your own training loop.
NNETDEF int nnet_reserve(nnet *net, int rows);

// Forward pass on X (B, I). With training != 0 every layer with dropout draws
// a new mask from rng; if rng is NULL the masks of the previous training pass
// are reused (for gradient checks). Inference (training = 0) is deterministic.
NNETDEF int nnet_forward(nnet *net, nnet_mat X, int training, nnet_rng *rng);
// The loss of the last forward pass against integer labels (B): the data loss
// plus l2/2 * (sum of all squared weights, biases excluded).
NNETDEF int nnet_loss_value(nnet *net, const int *labels, float l2, double *loss);
// Backward pass for the last forward pass on the same X: accumulates
// (+=) dL/dW and dL/db of the loss above, including l2 * W, into the gradients.
NNETDEF int nnet_backward(nnet *net, nnet_mat X, const int *labels, float l2);
// Set every gradient to zero.
NNETDEF void nnet_zero_grad(nnet *net);
// Turn labels (B) into the network's targets (B, O): one-hot rows, or the
// label itself (0 or 1) when the network has one output.
NNETDEF int nnet_labels_to_targets(nnet_mat T, const int *labels, int n_classes);

// ---- 8. Datasets -----------------------------------------------------------
// Samples in memory: inputs (N, I) and one integer label per sample.
typedef struct nnet_dataset {
    nnet_mat inputs;     // (N, I) one sample per row
    int *labels;         // (N) class indices in [0, n_classes)
    int n_classes;       // C
} nnet_dataset;

// Allocate a zeroed dataset of N samples with I features (one allocation).
// Free with nnet_dataset_free.
NNETDEF nnet_dataset *nnet_dataset_create(int n_samples, int n_features, int n_classes);
NNETDEF void nnet_dataset_free(nnet_dataset *data);
// Helpers (the files issue builds these out): shuffle rows in place; copy
// rows [start, start+count); split into a first part of round(fraction * N)
// rows and the rest; keep only the listed classes, relabelled 0..n-1 in the
// order given (the digit-pair task: {1, 5} -> 1 is 0, 5 is 1).
NNETDEF int nnet_dataset_shuffle(nnet_dataset *data, nnet_rng *rng);
NNETDEF nnet_dataset *nnet_dataset_subset(const nnet_dataset *data, int start, int count);
NNETDEF int nnet_dataset_split(const nnet_dataset *data, float fraction, nnet_dataset **first, nnet_dataset **second);
NNETDEF nnet_dataset *nnet_dataset_keep_classes(const nnet_dataset *data, const int *classes, int n_classes);

// ---- 9. Training -----------------------------------------------------------
typedef enum nnet_schedule {
    NNET_SCHEDULE_CONSTANT = 0,  // lr
    NNET_SCHEDULE_STEP,          // lr * gamma^floor(epoch / step), gamma default 0.1
    NNET_SCHEDULE_EXPONENTIAL,   // lr * gamma^epoch, gamma default 0.95
    NNET_SCHEDULE_COSINE,        // lr_min + (lr - lr_min) (1 + cos(pi epoch / epochs)) / 2
    NNET_SCHEDULE_COUNT_
} nnet_schedule;

NNETDEF const char *nnet_schedule_name(nnet_schedule s);  // "constant", "step", "exp", "cosine"
NNETDEF int nnet_schedule_from_name(const char *name);    // -1 if unknown

// Statistics of one epoch. The training figures are running means over the
// epoch's batches (with dropout active), as most frameworks report them.
typedef struct nnet_epoch_stats {
    int epoch;                 // 1-based
    double train_loss;         // includes the L2 term
    double train_accuracy;
    double validation_loss;    // NAN when there is no validation set
    double validation_accuracy;
    double learning_rate;
    double seconds;            // wall time of the epoch, validation included
} nnet_epoch_stats;

// What a progress callback sees.
typedef struct nnet_progress {
    int epoch, epochs;         // 1-based epoch and total
    int batch, batches;        // 1-based batch and batches per epoch
    double loss;               // running mean loss of this epoch
    double accuracy;           // running mean accuracy of this epoch
    double seconds;            // since this epoch started
    double learning_rate;
    const nnet_epoch_stats *end_of_epoch; // NULL after a batch; the epoch's stats at its end
} nnet_progress;

// Called after every batch and at the end of every epoch; return nonzero to
// stop training early (nnet_train then returns NNET_OK).
typedef int (*nnet_progress_fn)(const nnet_progress *progress, void *user_data);

// How to train. Zero-initialise, then set at least epochs and learning_rate.
typedef struct nnet_train_desc {
    int epochs;                // passes over the training set, >= 1
    int batch_size;            // default 32; the last, smaller batch is trained too
    float learning_rate;       // > 0
    float momentum;            // [0, 1); 0 = plain SGD
    int nesterov;              // nonzero: Nesterov momentum
    float l2;                  // lambda >= 0: adds lambda W to weight gradients
    nnet_schedule schedule;
    float schedule_gamma;      // decay of STEP (default 0.1) and EXPONENTIAL (default 0.95)
    int schedule_step;         // epochs per STEP; default max(1, epochs / 3)
    float min_learning_rate;   // floor of COSINE; default 0
    uint64_t seed;             // shuffling and dropout masks
    int no_shuffle;            // nonzero: keep the data order
    int threads;               // threads for the matrix products; 0 or 1 = serial
    nnet_progress_fn progress; // optional
    void *user_data;           // passed to progress and augment
    // optional: change each gathered training batch X (B, I) in place before
    // the forward pass (data augmentation, e.g. random shifts); draw from rng.
    void (*augment)(nnet_mat X, nnet_rng *rng, void *user_data);
} nnet_train_desc;

// One SGD step on the accumulated gradients (averaged over the batch by the
// loss): v = momentum v + g; w -= lr v (Nesterov: w -= lr (g + momentum v)).
// Returns NNET_ERR_DIVERGED, leaving the weights as they were, if the step
// would make a weight NaN or infinite.
NNETDEF int nnet_sgd_step(nnet *net, float learning_rate, float momentum, int nesterov);
// The learning rate of a 0-based epoch under the description's schedule.
NNETDEF float nnet_learning_rate(const nnet_train_desc *desc, int epoch);
// Train on `train` (labels needed), reporting on `validation` (may be NULL)
// after each epoch. history, if not NULL, has room for desc->epochs entries;
// epochs_run, if not NULL, receives the number of completed epochs. On a NaN
// or infinite loss it stops with NNET_ERR_DIVERGED naming the epoch and the
// batch, and the network keeps the last finite weights.
NNETDEF int nnet_train(nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                       const nnet_train_desc *desc, nnet_epoch_stats *history, int *epochs_run);

// ---- 10. Inference and metrics ---------------------------------------------
// P (N, O) = the network's outputs for X (N, I), in batches, without dropout.
NNETDEF int nnet_predict(nnet *net, nnet_mat X, nnet_mat P);
// classes (N) = the predicted class of each row of X (N, I): the argmax, or
// p >= 0.5 for a single sigmoid output.
NNETDEF int nnet_predict_classes(nnet *net, nnet_mat X, int *classes);
// Mean loss (without L2) and accuracy of the network on a dataset.
NNETDEF int nnet_evaluate(nnet *net, const nnet_dataset *data, double *loss, double *accuracy);

// Fraction of predicted[i] == labels[i], for n >= 1.
NNETDEF double nnet_accuracy(const int *labels, const int *predicted, int n);
// Area under the ROC curve of scores for the positives (is_positive[i] != 0),
// with ties counted half (Mann-Whitney). NAN if one class is absent.
NNETDEF double nnet_roc_auc(const float *scores, const int *is_positive, int n);
// Average precision, sum over thresholds of (R_k - R_{k-1}) P_k as in
// scikit-learn. NAN if there are no positives.
NNETDEF double nnet_average_precision(const float *scores, const int *is_positive, int n);

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

// ---- 11. IDX files ---------------------------------------------------------
#ifndef NNET_NO_STDIO
// Load an images file and a labels file (raw IDX, or .gz when stb_image is
// included) into a dataset: u8 pixels become floats in [0, 1].
NNETDEF nnet_dataset *nnet_dataset_load_idx(const char *images_path, const char *labels_path);
// Load an MNIST-layout directory: train-images-idx3-ubyte[.gz] (or
// train-images.idx3-ubyte), train-labels..., t10k-images..., t10k-labels....
// Either output pointer may be NULL to skip that part.
NNETDEF int nnet_dataset_load_mnist(const char *directory, nnet_dataset **train, nnet_dataset **test);
#endif

// ---- 12. Image input -------------------------------------------------------
// Turn a picture of a handwritten digit (any size, any colours) into the 784
// floats an MNIST network expects, the way MNIST itself was made:
//   1. grey levels in [0, 1]; invert when the background is light (MNIST is
//      white ink on black);
//   2. stretch the contrast: background -> 0, strongest ink -> 1;
//   3. crop to the bounding box of the ink (pixels > 0.25);
//   4. scale the longer side to 20 pixels, keeping the aspect ratio, by area
//      averaging (this makes the grey anti-aliased edges MNIST has);
//   5. paste into a 28x28 black field so that the centre of mass lands on
//      pixel (14, 14).
// Each step is a public function on a grey image: (H, W) floats, row-major,
// in [0, 1], 0 = black; W = width, H = height. They need no stb_image.
// Every image, given or decoded, is capped at NNET_IMAGE_MAX_SIDE (impl TU,
// default 8192) pixels a side and NNET_IMAGE_MAX_PIXELS (default 2^26) in all.
//
// Decoding files (PNG, JPEG, BMP, GIF, PGM/PPM, TGA, ...) needs stb_image
// (Debian's libstb-dev): include it before the implementation and link -lstb,
//     #include <stb/stb_image.h>
//     #define NNET_IMPLEMENTATION
//     #include "nnet.h"                       cc prog.c -lstb -lm
// NNET_NO_PNG (impl TU) forces decoding off. Without it the loaders return
// NNET_ERR_UNSUPPORTED with a message saying how to enable it. The caps are
// checked on the image header before stb decodes anything, and JPEGs that
// stb_image 2.27 mishandles are refused first. stb_image's own global
// flip-on-load setting must be off (the default); nnet never sets it.
typedef struct nnet_image_box { int x, y, width, height; } nnet_image_box;

// Step 1. image (H, W): if the median of the border pixels is above 0.5 the
// background is light, so x = 1 - x everywhere. *inverted (may be NULL)
// receives 1 if it inverted, else 0.
NNETDEF int nnet_image_invert_if_light(float *image, int width, int height, int *inverted);
// Step 2. image (H, W): x = clamp((x - background) / (max - background), 0, 1)
// with background = median + 3 MAD (median absolute deviation) of the border
// pixels, so paper, its noise and uneven light all become 0. NNET_ERR_FORMAT
// ("no ink") when max - background < 0.1, e.g. a blank page.
NNETDEF int nnet_image_stretch_contrast(float *image, int width, int height);
// Step 3. The smallest box holding every pixel > threshold of image (H, W).
// NNET_ERR_FORMAT ("no ink") when there is none.
NNETDEF int nnet_image_bounding_box(const float *image, int width, int height, float threshold,
                                    nnet_image_box *box);
// Step 4a. The size of a width x height box scaled so its longer side is
// `side`, keeping the aspect ratio: the shorter side is rounded, at least 1.
NNETDEF int nnet_image_fit_size(int width, int height, int side, int *fit_width, int *fit_height);
// Step 4b. dst (dst_h, dst_w) = src (src_h, src_w) resampled by area
// averaging: each output pixel is the mean of the source area it covers, so
// the mean grey level is kept exactly. src rows are src_stride floats apart
// (>= src_w), so src can point into a larger image to resize a crop.
NNETDEF int nnet_image_resize_area(float *dst, int dst_w, int dst_h,
                                   const float *src, int src_w, int src_h, int src_stride);
// Step 5a. Centre of mass of image (H, W) in pixel indices: *cx = sum x v / sum v
// (x = column index), *cy likewise. NNET_ERR_FORMAT when sum v <= 0.
NNETDEF int nnet_image_center_of_mass(const float *image, int width, int height, float *cx, float *cy);
// Step 5b. Zero dst (dst_h, dst_w) and copy src (src_h, src_w) into it, shifted
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

// ---- 13. Model files -------------------------------------------------------
#ifndef NNET_NO_STDIO
// Save a network (safetensors layout, see docs/model-format.md), atomically.
NNETDEF int nnet_save(const nnet *net, const char *path);
// Load a network saved by nnet_save. Free with nnet_free.
NNETDEF nnet *nnet_load(const char *path);
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
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/time.h>
#else
#include <time.h>
#endif

#ifndef NNET_ASSERT
#include <assert.h>
#define NNET_ASSERT(x) assert(x)
#endif

#if defined(NNET_MALLOC) && defined(NNET_FREE)
#elif !defined(NNET_MALLOC) && !defined(NNET_FREE)
#define NNET_MALLOC(size) malloc(size)
#define NNET_FREE(p) free(p)
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
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

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
static void *nnet__alloc(size_t bytes, const char *what) {
    void *p = bytes ? NNET_MALLOC(bytes) : NULL;
    if (bytes && !p) nnet__fail(NNET_ERR_MEMORY, "%s: could not allocate %zu bytes", what, bytes);
    return p;
}

// bytes = a * b * c with overflow checks; 0 on overflow.
static size_t nnet__bytes(size_t a, size_t b, size_t c) {
    if (b && a > SIZE_MAX / b) return 0;
    if (c && a * b > SIZE_MAX / c) return 0;
    return a * b * c;
}

// Look a lower-case name up in a table of names; -1 if it is not there.
static int nnet__lookup(const char *name, const char *const *names, int count) {
    int i;
    if (!name) return -1;
    for (i = 0; i < count; i++)
        if (names[i] && strcmp(name, names[i]) == 0) return i;
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
    m.data = (float *)nnet__alloc(bytes, "nnet_mat_create");
    if (!m.data) return m;
    memset(m.data, 0, bytes);
    m.rows = rows; m.cols = cols;
    return m;
}

NNETDEF void nnet_mat_free(nnet_mat *m) {
    if (!m) return;
    NNET_FREE(m->data);
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

// The reference: one dot product per element, summed in order k = 0..K-1.
static void nnet__gemm_naive(nnet_transpose ta, nnet_transpose tb, float alpha,
                             nnet_mat A, nnet_mat B, float beta, nnet_mat C) {
    int M = C.rows, N = C.cols, K = nnet__op_cols(A, ta), i, j, k;
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
}

// The fast path. Rows of C are independent; each row is built as a sum of
// scaled rows of op(B) (C[i,:] += a_ik B[k,:]) so the inner loop runs along
// contiguous memory, except for A B^T, which is a dot product per element.
static void nnet__gemm_fast(nnet_transpose ta, nnet_transpose tb, float alpha,
                            nnet_mat A, nnet_mat B, float beta, nnet_mat C) {
    int M = C.rows, N = C.cols, K = nnet__op_cols(A, ta), i, j, k;
    for (i = 0; i < M; i++) {
        float *c = C.data + (size_t)i * (size_t)N;
        if (beta == 0.0f) memset(c, 0, (size_t)N * sizeof(float));
        else if (beta != 1.0f) for (j = 0; j < N; j++) c[j] *= beta;
        if (tb) {
            for (j = 0; j < N; j++) {
                const float *b = B.data + (size_t)j * (size_t)K;
                float sum = 0.0f;
                for (k = 0; k < K; k++) sum += (ta ? NNET_AT(A, k, i) : NNET_AT(A, i, k)) * b[k];
                c[j] += alpha * sum;
            }
        } else {
            for (k = 0; k < K; k++) {
                const float *b = B.data + (size_t)k * (size_t)N;
                float a = alpha * (ta ? NNET_AT(A, k, i) : NNET_AT(A, i, k));
                if (a == 0.0f) continue;
                for (j = 0; j < N; j++) c[j] += a * b[j];
            }
        }
    }
}

NNETDEF int nnet_gemm(nnet_transpose ta, nnet_transpose tb, float alpha,
                      nnet_mat A, nnet_mat B, float beta, nnet_mat C) {
    int status = nnet__gemm_check("nnet_gemm", ta, tb, A, B, C);
    if (status) return status;
    nnet__gemm_fast(ta, tb, alpha, A, B, beta, C);
    return NNET_OK;
}

NNETDEF int nnet_gemm_reference(nnet_transpose ta, nnet_transpose tb, float alpha,
                                nnet_mat A, nnet_mat B, float beta, nnet_mat C) {
    int status = nnet__gemm_check("nnet_gemm_reference", ta, tb, A, B, C);
    if (status) return status;
    nnet__gemm_naive(ta, tb, alpha, A, B, beta, C);
    return NNET_OK;
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
    for (k = 0; k < n; k++) y[k] += alpha * x[k];
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
    if (name && strcmp(name, "linear") == 0) return NNET_ACT_IDENTITY;
    return nnet__lookup(name, nnet__activation_names, NNET_ACT_COUNT_);
}

// sigmoid(z) = 1 / (1 + e^-z), written so that e^x is only taken of x <= 0:
// for z < 0 use e^z / (1 + e^z). No overflow for any finite z.
static float nnet__sigmoid(float z) {
    if (z >= 0.0f) return 1.0f / (1.0f + expf(-z));
    else { float e = expf(z); return e / (1.0f + e); }
}

// softmax of one row, max-subtracted: e^(z_j - m) <= 1 never overflows, and
// the largest term is exactly 1, so the sum is >= 1.
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
static const char *const nnet__loss_names[NNET_LOSS_COUNT_] = {"default", "ce", "bce", "mse"};

NNETDEF const char *nnet_loss_name(nnet_loss loss) {
    return (unsigned)loss < NNET_LOSS_COUNT_ ? nnet__loss_names[loss] : "unknown";
}

NNETDEF int nnet_loss_from_name(const char *name) {
    if (name && strcmp(name, "cross_entropy") == 0) return NNET_LOSS_CROSS_ENTROPY;
    if (name && strcmp(name, "binary_cross_entropy") == 0) return NNET_LOSS_BINARY_CROSS_ENTROPY;
    return nnet__lookup(name, nnet__loss_names, NNET_LOSS_COUNT_);
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

// dL/dz = (p - t) / B: the softmax Jacobian and the log cancel.
NNETDEF void nnet_cross_entropy_backward(nnet_mat dZ, nnet_mat P, nnet_mat T) {
    size_t n = nnet__count(P), k;
    float scale = 1.0f / (float)P.rows;
    NNET_ASSERT(dZ.rows == P.rows && dZ.cols == P.cols && T.rows == P.rows && T.cols == P.cols);
    for (k = 0; k < n; k++) dZ.data[k] = (P.data[k] - T.data[k]) * scale;
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
    size_t n = nnet__count(P), k;
    float scale = 1.0f / (float)n;
    NNET_ASSERT(dZ.rows == P.rows && dZ.cols == P.cols && T.rows == P.rows && T.cols == P.cols);
    for (k = 0; k < n; k++) dZ.data[k] = (P.data[k] - T.data[k]) * scale;
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
    size_t n = nnet__count(Y), k;
    float scale = 2.0f / (float)n;
    NNET_ASSERT(dY.rows == Y.rows && dY.cols == Y.cols && T.rows == Y.rows && T.cols == Y.cols);
    for (k = 0; k < n; k++) dY.data[k] = (Y.data[k] - T.data[k]) * scale;
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

// ---- 7. Networks -----------------------------------------------------------
static nnet_activation nnet__default_activation(const nnet_desc *d, int layer) {
    if (d->activations[layer] != NNET_ACT_DEFAULT) return d->activations[layer];
    if (layer < d->n_layers - 1) return NNET_ACT_RELU;
    return d->sizes[layer] == 1 ? NNET_ACT_SIGMOID : NNET_ACT_SOFTMAX;
}

static int nnet__check_desc(const nnet_desc *d) {
    int l;
    if (!d) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: desc is NULL");
    if (d->n_layers < 1 || d->n_layers > NNET_MAX_LAYERS)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: n_layers is %d, expected 1..%d", d->n_layers, NNET_MAX_LAYERS);
    if (d->n_inputs < 1 || d->n_inputs > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: n_inputs is %d, expected 1..%d", d->n_inputs, NNET_MAX_DIM);
    for (l = 0; l < d->n_layers; l++) {
        if (d->sizes[l] < 1 || d->sizes[l] > NNET_MAX_DIM)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: sizes[%d] is %d, expected 1..%d", l, d->sizes[l], NNET_MAX_DIM);
        if ((unsigned)d->activations[l] >= NNET_ACT_COUNT_)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: activations[%d] is %d, expected 0..%d",
                              l, (int)d->activations[l], NNET_ACT_COUNT_ - 1);
        if (!(d->dropout[l] >= 0.0f && d->dropout[l] < 1.0f))
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: dropout[%d] is %g, expected a probability in [0, 1)",
                              l, (double)d->dropout[l]);
        if (nnet__default_activation(d, l) == NNET_ACT_SOFTMAX && l < d->n_layers - 1)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: softmax on hidden layer %d; softmax is for the output layer", l);
    }
    if (d->dropout[d->n_layers - 1] != 0.0f)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: dropout[%d] (the output layer) is %g, expected 0",
                          d->n_layers - 1, (double)d->dropout[d->n_layers - 1]);
    if (!(d->leaky_slope >= 0.0f && d->leaky_slope < 1.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: leaky_slope is %g, expected [0, 1) (0 means 0.01)",
                          (double)d->leaky_slope);
    if ((unsigned)d->loss >= NNET_LOSS_COUNT_ || (unsigned)d->init >= NNET_INIT_COUNT_)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: loss %d or init %d out of range", (int)d->loss, (int)d->init);
    if (!(d->init_scale >= 0.0f) || !nnet__is_finite(d->init_scale))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: init_scale is %g, expected >= 0 (0 means 0.5)", (double)d->init_scale);
    return NNET_OK;
}

// The loss must match the output activation where the fused gradient
// assumes it: cross-entropy after softmax, binary cross-entropy after sigmoid.
static int nnet__check_loss(nnet_loss loss, nnet_activation out) {
    if (loss == NNET_LOSS_CROSS_ENTROPY && out != NNET_ACT_SOFTMAX)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: loss ce needs a softmax output layer, found %s",
                          nnet_activation_name(out));
    if (loss == NNET_LOSS_BINARY_CROSS_ENTROPY && out != NNET_ACT_SIGMOID)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: loss bce needs a sigmoid output layer, found %s",
                          nnet_activation_name(out));
    return NNET_OK;
}

NNETDEF nnet *nnet_create(const nnet_desc *desc) {
    nnet *net;
    size_t total = 0, offset = 0, bytes;
    int l, status;
    nnet_rng rng;
    if (nnet__check_desc(desc)) return NULL;
    for (l = 0; l < desc->n_layers; l++) {
        size_t in = (size_t)(l ? desc->sizes[l - 1] : desc->n_inputs), out = (size_t)desc->sizes[l];
        total += in * out + out;   // each factor <= 2^24: no overflow in 64 bits
    }
    bytes = nnet__bytes(total, 3, sizeof(float));
    if (!bytes || total > (size_t)INT32_MAX)
        { nnet__fail(NNET_ERR_ARGUMENT, "nnet_create: %zu parameters is too many", total); return NULL; }
    net = (nnet *)nnet__alloc(sizeof(nnet), "nnet_create");
    if (!net) return NULL;
    memset(net, 0, sizeof *net);
    net->parameters = (float *)nnet__alloc(bytes, "nnet_create (parameters)");
    if (!net->parameters) { NNET_FREE(net); return NULL; }
    memset(net->parameters, 0, bytes);
    net->gradients = net->parameters + total;
    net->velocity = net->gradients + total;
    net->n_parameters = total;
    net->n_inputs = desc->n_inputs;
    net->n_layers = desc->n_layers;
    net->leaky_slope = desc->leaky_slope > 0.0f ? desc->leaky_slope : 0.01f;
    net->threads = 1;
    nnet_rng_seed(&rng, desc->seed);
    for (l = 0; l < desc->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        layer->n_inputs = l ? desc->sizes[l - 1] : desc->n_inputs;
        layer->n_outputs = desc->sizes[l];
        layer->activation = nnet__default_activation(desc, l);
        layer->dropout = desc->dropout[l];
        layer->weight = nnet_mat_view(layer->n_outputs, layer->n_inputs, net->parameters + offset);
        layer->weight_grad = nnet_mat_view(layer->n_outputs, layer->n_inputs, net->gradients + offset);
        offset += nnet__count(layer->weight);
        layer->bias = net->parameters + offset;
        layer->bias_grad = net->gradients + offset;
        offset += (size_t)layer->n_outputs;
        status = nnet_init_weights(layer->weight, layer->bias, desc->init, desc->init_scale,
                                   layer->activation, net->leaky_slope, &rng);
        if (status) { nnet_free(net); return NULL; }
    }
    NNET_ASSERT(offset == total);
    net->loss = desc->loss;
    if (net->loss == NNET_LOSS_DEFAULT) {
        nnet_activation out = net->layers[net->n_layers - 1].activation;
        net->loss = out == NNET_ACT_SOFTMAX ? NNET_LOSS_CROSS_ENTROPY
                  : out == NNET_ACT_SIGMOID ? NNET_LOSS_BINARY_CROSS_ENTROPY : NNET_LOSS_MSE;
    }
    if (nnet__check_loss(net->loss, net->layers[net->n_layers - 1].activation)) { nnet_free(net); return NULL; }
    return net;
}

NNETDEF void nnet_free(nnet *net) {
    if (!net) return;
    NNET_FREE(net->workspace);
    NNET_FREE(net->parameters);
    NNET_FREE(net);
}

NNETDEF int nnet_output_size(const nnet *net) { return net->layers[net->n_layers - 1].n_outputs; }

NNETDEF nnet_mat nnet_output(const nnet *net) {
    nnet_mat y = net->layers[net->n_layers - 1].output;
    y.rows = net->batch;
    return y;
}

// Carve one block into every layer's (B, O) output, activated, mask and delta, plus the
// output layer's logits and targets.
NNETDEF int nnet_reserve(nnet *net, int rows) {
    size_t per_row = 0, offset = 0, bytes;
    int l, outputs;
    float *block;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_reserve: net is NULL");
    if (rows < 1 || rows > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_reserve: %d rows, expected 1..%d", rows, NNET_MAX_DIM);
    if (rows <= net->batch_capacity) return NNET_OK;
    outputs = nnet_output_size(net);
    for (l = 0; l < net->n_layers; l++) per_row += 4 * (size_t)net->layers[l].n_outputs;
    per_row += 2 * (size_t)outputs;
    bytes = nnet__bytes(per_row, (size_t)rows, sizeof(float));
    if (!bytes) return nnet__fail(NNET_ERR_MEMORY, "nnet_reserve: workspace for %d rows overflows", rows);
    block = (float *)nnet__alloc(bytes, "nnet_reserve");
    if (!block) return NNET_ERR_MEMORY;
    memset(block, 0, bytes);
    NNET_FREE(net->workspace);
    net->workspace = block;
    for (l = 0; l < net->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        size_t size = (size_t)rows * (size_t)layer->n_outputs;
        layer->output = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
        layer->activated = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
        layer->delta = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
        layer->mask = nnet_mat_view(rows, layer->n_outputs, block + offset); offset += size;
    }
    net->logits = nnet_mat_view(rows, outputs, block + offset); offset += (size_t)rows * (size_t)outputs;
    net->targets = nnet_mat_view(rows, outputs, block + offset);
    net->batch_capacity = rows;
    net->batch = 0;
    return NNET_OK;
}

// A (rows, cols) view of the first `rows` rows of a workspace matrix.
static nnet_mat nnet__rows(nnet_mat m, int rows) { m.rows = rows; return m; }

// Dense layer forward:  Z = X W^T + b  (X is (B, I), W is (O, I), Z is (B, O))
//                       Y = f(Z), then Y *= mask (inverted dropout, training only)
// Dense layer backward: dZ = dY * f'(Z)  (after dY *= mask)
//                       dW += dZ^T X ;  db += column sums of dZ ;  dX = dZ W
// (docs/guide.md#backpropagation)
static void nnet__dense_forward(nnet *net, nnet_layer *layer, nnet_mat X, nnet_mat Z, nnet_mat Y) {
    nnet__gemm_fast(NNET_NO_TRANS, NNET_TRANS, 1.0f, X, layer->weight, 0.0f, Z);
    nnet_add_bias(Z, layer->bias);
    nnet_activation_forward(layer->activation, net->leaky_slope, Y, Z);
}

static void nnet__dense_backward(nnet_layer *layer, nnet_mat dZ, nnet_mat X, nnet_mat dX) {
    nnet__gemm_fast(NNET_TRANS, NNET_NO_TRANS, 1.0f, dZ, X, 1.0f, layer->weight_grad);
    nnet_column_sums(layer->bias_grad, dZ);
    if (dX.data) nnet__gemm_fast(NNET_NO_TRANS, NNET_NO_TRANS, 1.0f, dZ, layer->weight, 0.0f, dX);
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

NNETDEF int nnet_forward(nnet *net, nnet_mat X, int training, nnet_rng *rng) {
    int l, B = X.rows, status;
    nnet_mat input = X;
    if (!net || !X.data)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_forward: %s is NULL", !net ? "net" : "X.data");
    if (X.cols != net->n_inputs || X.rows < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_forward: X is %dx%d, expected B x %d with B >= 1",
                          X.rows, X.cols, net->n_inputs);
    if ((status = nnet_reserve(net, B)) != NNET_OK) return status;
    if (training && !rng && net->batch != B)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_forward: rng is NULL (reuse the dropout masks) but the last batch had %d rows, not %d",
                          net->batch, B);
    for (l = 0; l < net->n_layers; l++) {
        nnet_layer *layer = &net->layers[l];
        int dropout = training && layer->dropout > 0.0f;
        nnet_mat Y = nnet__rows(layer->output, B);
        nnet_mat A = dropout ? nnet__rows(layer->activated, B) : Y;
        nnet_mat Z = l == net->n_layers - 1 ? nnet__rows(net->logits, B) : A;
        nnet__dense_forward(net, layer, input, Z, A);
        if (dropout) {
            nnet_mat mask = nnet__rows(layer->mask, B);
            if (rng) nnet__dropout_draw(mask, layer->dropout, rng);
            nnet__multiply(Y, A, mask);
        }
        input = Y;
    }
    net->batch = B;
    net->dropout_active = training;
    return NNET_OK;
}

NNETDEF int nnet_labels_to_targets(nnet_mat T, const int *labels, int n_classes) {
    int i;
    if (!T.data || !labels) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_labels_to_targets: NULL %s", !labels ? "labels" : "T");
    if (T.cols == 1 ? n_classes > 2 : T.cols != n_classes)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_labels_to_targets: %d classes do not fit %d outputs (expected outputs = classes, or 1 output for 2 classes)",
                          n_classes, T.cols);
    memset(T.data, 0, nnet__count(T) * sizeof(float));
    for (i = 0; i < T.rows; i++) {
        int y = labels[i];
        if (y < 0 || y >= (T.cols == 1 ? 2 : T.cols))
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_labels_to_targets: labels[%d] is %d, expected 0..%d",
                              i, y, (T.cols == 1 ? 2 : T.cols) - 1);
        if (T.cols == 1) T.data[i] = (float)y;
        else NNET_AT(T, i, y) = 1.0f;
    }
    return NNET_OK;
}

// Builds the targets of the last batch from the labels.
static int nnet__batch_targets(nnet *net, const int *labels, const char *who) {
    int O = nnet_output_size(net);
    if (!net->batch) return nnet__fail(NNET_ERR_ARGUMENT, "%s: no forward pass yet", who);
    return nnet_labels_to_targets(nnet__rows(net->targets, net->batch), labels, O == 1 ? 2 : O);
}

static double nnet__l2_penalty(const nnet *net, float l2) {
    double sum = 0.0;
    size_t k, n;
    int l;
    if (l2 == 0.0f) return 0.0;
    for (l = 0; l < net->n_layers; l++) {
        const float *w = net->layers[l].weight.data;
        for (k = 0, n = nnet__count(net->layers[l].weight); k < n; k++) sum += (double)w[k] * w[k];
    }
    return 0.5 * l2 * sum;
}

static double nnet__data_loss(const nnet *net) {
    nnet_mat T = nnet__rows(net->targets, net->batch);
    switch (net->loss) {
    case NNET_LOSS_CROSS_ENTROPY: return nnet_cross_entropy_forward(nnet__rows(net->logits, net->batch), T);
    case NNET_LOSS_BINARY_CROSS_ENTROPY: return nnet_binary_cross_entropy_forward(nnet__rows(net->logits, net->batch), T);
    default: return nnet_mse_forward(nnet_output(net), T);
    }
}

static int nnet__check_l2(float l2, const char *who) {
    if (!(l2 >= 0.0f) || !nnet__is_finite(l2))
        return nnet__fail(NNET_ERR_ARGUMENT, "%s: l2 is %g, expected a finite number >= 0", who, (double)l2);
    return NNET_OK;
}

NNETDEF int nnet_loss_value(nnet *net, const int *labels, float l2, double *loss) {
    int status;
    if (!net || !loss) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_loss_value: %s is NULL", !net ? "net" : "loss");
    if ((status = nnet__check_l2(l2, "nnet_loss_value")) != NNET_OK) return status;
    if ((status = nnet__batch_targets(net, labels, "nnet_loss_value")) != NNET_OK) return status;
    *loss = nnet__data_loss(net) + nnet__l2_penalty(net, l2);
    return NNET_OK;
}

// Backpropagation. The output layer starts the chain with the fused gradient
// of its loss (dZ = P - T, scaled), every other layer receives dY = dZ' W'
// from the layer above, multiplies by its dropout mask and by f'(z).
NNETDEF int nnet_backward(nnet *net, nnet_mat X, const int *labels, float l2) {
    int l, B, status;
    nnet_layer *top;
    if (!net || !X.data) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_backward: %s is NULL", !net ? "net" : "X.data");
    B = net->batch;
    if (X.rows != B || X.cols != net->n_inputs)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_backward: X is %dx%d, expected the %dx%d batch of the last forward pass",
                          X.rows, X.cols, B, net->n_inputs);
    if ((status = nnet__check_l2(l2, "nnet_backward")) != NNET_OK) return status;
    if ((status = nnet__batch_targets(net, labels, "nnet_backward")) != NNET_OK) return status;
    top = &net->layers[net->n_layers - 1];
    {
        nnet_mat dZ = nnet__rows(top->delta, B), P = nnet_output(net), T = nnet__rows(net->targets, B);
        if (net->loss == NNET_LOSS_CROSS_ENTROPY) nnet_cross_entropy_backward(dZ, P, T);
        else if (net->loss == NNET_LOSS_BINARY_CROSS_ENTROPY) nnet_binary_cross_entropy_backward(dZ, P, T);
        else {
            nnet_mse_backward(dZ, P, T);
            nnet_activation_backward(top->activation, net->leaky_slope, dZ, P);
        }
    }
    for (l = net->n_layers - 1; l >= 0; l--) {
        nnet_layer *layer = &net->layers[l];
        nnet_mat dZ = nnet__rows(layer->delta, B);
        nnet_mat input = l ? nnet__rows(net->layers[l - 1].output, B) : X;
        nnet_mat dX = l ? nnet__rows(net->layers[l - 1].delta, B) : nnet_mat_view(0, 0, NULL);
        nnet__dense_backward(layer, dZ, input, dX);
        if (l) {   // dX is dL/dy of the layer below: undo its dropout, then its activation
            nnet_layer *below = &net->layers[l - 1];
            nnet_mat y = input;
            if (net->dropout_active && below->dropout > 0.0f) {
                nnet__multiply(dX, dX, nnet__rows(below->mask, B));
                y = nnet__rows(below->activated, B);
            }
            nnet_activation_backward(below->activation, net->leaky_slope, dX, y);
        }
        // L2: d/dW (l2/2 sum W^2) = l2 W
        if (l2 != 0.0f) nnet_axpy(layer->weight_grad.data, l2, layer->weight.data, nnet__count(layer->weight));
    }
    return NNET_OK;
}

NNETDEF void nnet_zero_grad(nnet *net) {
    if (net) memset(net->gradients, 0, net->n_parameters * sizeof(float));
}

// ---- 8. Datasets -----------------------------------------------------------
NNETDEF nnet_dataset *nnet_dataset_create(int n_samples, int n_features, int n_classes) {
    nnet_dataset *data;
    size_t inputs, labels;
    if (n_samples < 1 || n_features < 1 || n_samples > NNET_MAX_DIM || n_features > NNET_MAX_DIM || n_classes < 1 || n_classes > NNET_MAX_DIM) {
        nnet__fail(NNET_ERR_ARGUMENT, "nnet_dataset_create: %d samples, %d features, %d classes; expected each in 1..%d",
                   n_samples, n_features, n_classes, NNET_MAX_DIM);
        return NULL;
    }
    inputs = nnet__bytes((size_t)n_samples, (size_t)n_features, sizeof(float));
    labels = (size_t)n_samples * sizeof(int);
    if (!inputs || inputs > SIZE_MAX - sizeof(nnet_dataset) - labels) {
        nnet__fail(NNET_ERR_MEMORY, "nnet_dataset_create: %d x %d floats overflow", n_samples, n_features);
        return NULL;
    }
    data = (nnet_dataset *)nnet__alloc(sizeof(nnet_dataset) + inputs + labels, "nnet_dataset_create");
    if (!data) return NULL;
    memset(data, 0, sizeof(nnet_dataset) + inputs + labels);
    // floats first (right after the struct, which is float-aligned), then ints
    data->inputs = nnet_mat_view(n_samples, n_features, (float *)(void *)(data + 1));
    data->labels = (int *)(void *)(data->inputs.data + (size_t)n_samples * (size_t)n_features);
    data->n_classes = n_classes;
    return data;
}

NNETDEF void nnet_dataset_free(nnet_dataset *data) { NNET_FREE(data); }

// ---- 9. Training -----------------------------------------------------------
static const char *const nnet__schedule_names[NNET_SCHEDULE_COUNT_] = {"constant", "step", "exp", "cosine"};

NNETDEF const char *nnet_schedule_name(nnet_schedule s) {
    return (unsigned)s < NNET_SCHEDULE_COUNT_ ? nnet__schedule_names[s] : "unknown";
}

NNETDEF int nnet_schedule_from_name(const char *name) {
    if (name && strcmp(name, "exponential") == 0) return NNET_SCHEDULE_EXPONENTIAL;
    return nnet__lookup(name, nnet__schedule_names, NNET_SCHEDULE_COUNT_);
}

// Momentum SGD, as PyTorch writes it (g already holds the batch-averaged
// gradient, L2 included):   v = mu v + g
//   classic:   w = w - lr v
//   Nesterov:  w = w - lr (g + mu v)
// The step is first checked for finiteness so a diverging step never replaces
// finite weights.
NNETDEF int nnet_sgd_step(nnet *net, float learning_rate, float momentum, int nesterov) {
    size_t n, k;
    float *w, *g, *v;
    int finite = 1;
    if (!net) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_sgd_step: net is NULL");
    if (!(learning_rate > 0.0f) || !nnet__is_finite(learning_rate) || !(momentum >= 0.0f && momentum < 1.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_sgd_step: learning rate %g (expected > 0) or momentum %g (expected [0, 1)) out of range",
                          (double)learning_rate, (double)momentum);
    n = net->n_parameters; w = net->parameters; g = net->gradients; v = net->velocity;
    for (k = 0; k < n; k++) {
        float velocity = momentum * v[k] + g[k];
        float step = nesterov ? g[k] + momentum * velocity : velocity;
        float updated = w[k] - learning_rate * step;
        finite &= updated - updated == 0.0f;
    }
    if (!finite) return nnet__fail(NNET_ERR_DIVERGED, "nnet_sgd_step: the step would make a weight NaN or infinite");
    for (k = 0; k < n; k++) {
        v[k] = momentum * v[k] + g[k];
        w[k] -= learning_rate * (nesterov ? g[k] + momentum * v[k] : v[k]);
    }
    return NNET_OK;
}

NNETDEF float nnet_learning_rate(const nnet_train_desc *d, int epoch) {
    double lr = d->learning_rate, gamma = d->schedule_gamma;
    switch (d->schedule) {
    case NNET_SCHEDULE_STEP: {
        int step = d->schedule_step > 0 ? d->schedule_step : nnet__max(1, d->epochs / 3);
        return (float)(lr * pow(gamma > 0.0 ? gamma : 0.1, epoch / step));
    }
    case NNET_SCHEDULE_EXPONENTIAL: return (float)(lr * pow(gamma > 0.0 ? gamma : 0.95, epoch));
    case NNET_SCHEDULE_COSINE: {
        double low = d->min_learning_rate;
        return (float)(low + 0.5 * (lr - low) * (1.0 + cos(3.141592653589793 * epoch / d->epochs)));
    }
    default: return (float)lr;
    }
}

static int nnet__check_train(const nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                             const nnet_train_desc *d) {
    int O, classes, i, row;
    const nnet_dataset *sets[2];
    if (!net || !train || !d)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: %s is NULL", !net ? "net" : !train ? "train" : "desc");
    if (d->epochs < 1) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: epochs is %d, expected >= 1", d->epochs);
    if (d->batch_size < 0 || d->batch_size > NNET_MAX_DIM)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: batch_size is %d, expected 1..%d (0 means 32)", d->batch_size, NNET_MAX_DIM);
    if (!(d->learning_rate > 0.0f) || !nnet__is_finite(d->learning_rate))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: learning_rate is %g, expected a finite number > 0", (double)d->learning_rate);
    if (!(d->momentum >= 0.0f && d->momentum < 1.0f))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: momentum is %g, expected [0, 1)", (double)d->momentum);
    if (nnet__check_l2(d->l2, "nnet_train")) return NNET_ERR_ARGUMENT;
    if ((unsigned)d->schedule >= NNET_SCHEDULE_COUNT_ || d->schedule_step < 0 || !(d->schedule_gamma >= 0.0f) ||
        !(d->min_learning_rate >= 0.0f) || d->min_learning_rate > d->learning_rate)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: schedule %d, step %d, gamma %g or min_learning_rate %g out of range",
                          (int)d->schedule, d->schedule_step, (double)d->schedule_gamma, (double)d->min_learning_rate);
    if (d->threads < 0 || d->threads > 1024)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: threads is %d, expected 0..1024", d->threads);
    O = nnet_output_size(net);
    classes = O == 1 ? 2 : O;
    sets[0] = train; sets[1] = validation;
    for (i = 0; i < 2; i++) {
        const char *name = i ? "validation" : "train";
        const nnet_dataset *s = sets[i];
        if (!s) continue;
        if (!s->inputs.data || !s->labels || s->inputs.rows < 1)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: %s set is empty or has no labels", name);
        if (s->inputs.cols != net->n_inputs)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: %s set has %d features, the network expects %d inputs",
                              name, s->inputs.cols, net->n_inputs);
        if (s->n_classes > classes)
            return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: %s set has %d classes, the network's %d outputs hold %d",
                              name, s->n_classes, O, classes);
        for (row = 0; row < s->inputs.rows; row++)
            if (s->labels[row] < 0 || s->labels[row] >= classes)
                return nnet__fail(NNET_ERR_ARGUMENT, "nnet_train: %s set label %d (sample %d) is outside 0..%d",
                                  name, s->labels[row], row, classes - 1);
    }
    return NNET_OK;
}

// Copy the rows order[start .. start+B) of the dataset into contiguous batch
// buffers, so every product runs on one dense (B, I) matrix.
static void nnet__gather(nnet_mat batch, int *batch_labels, const nnet_dataset *data,
                         const int *order, int start) {
    int i, I = data->inputs.cols;
    for (i = 0; i < batch.rows; i++) {
        int row = order ? order[start + i] : start + i;
        memcpy(&NNET_AT(batch, i, 0), &NNET_AT(data->inputs, row, 0), (size_t)I * sizeof(float));
        batch_labels[i] = data->labels[row];
    }
}

static int nnet__correct(const nnet *net, const int *labels, int *scratch) {
    nnet_mat P = nnet_output(net);
    int i, correct = 0;
    if (P.cols == 1)
        for (i = 0; i < P.rows; i++) correct += (P.data[i] >= 0.5f) == (labels[i] != 0);
    else {
        nnet_argmax_rows(scratch, P);
        for (i = 0; i < P.rows; i++) correct += scratch[i] == labels[i];
    }
    return correct;
}

// Mean loss and accuracy over a dataset, in batches of `chunk` rows, with
// the caller's buffers (so training allocates nothing per epoch).
static int nnet__evaluate(nnet *net, const nnet_dataset *data, int chunk, nnet_mat batch,
                          int *labels, int *scratch, double *loss, double *accuracy) {
    double total = 0.0;
    long correct = 0;
    int start, N = data->inputs.rows, status;
    for (start = 0; start < N; start += chunk) {
        int B = nnet__min(chunk, N - start);
        nnet_mat X = nnet__rows(batch, B);
        nnet__gather(X, labels, data, NULL, start);
        if ((status = nnet_forward(net, X, 0, NULL)) != NNET_OK) return status;
        if ((status = nnet__batch_targets(net, labels, "nnet_evaluate")) != NNET_OK) return status;
        total += nnet__data_loss(net) * B;
        correct += nnet__correct(net, labels, scratch);
    }
    *loss = total / N;
    *accuracy = (double)correct / N;
    return NNET_OK;
}

NNETDEF int nnet_train(nnet *net, const nnet_dataset *train, const nnet_dataset *validation,
                       const nnet_train_desc *desc, nnet_epoch_stats *history, int *epochs_run) {
    int N, B, batches, epoch, status, i;
    int *order, *batch_labels, *scratch;
    nnet_mat batch;
    nnet_rng rng;
    size_t ints;
    if (epochs_run) *epochs_run = 0;
    if ((status = nnet__check_train(net, train, validation, desc)) != NNET_OK) return status;
    N = train->inputs.rows;
    B = desc->batch_size ? nnet__min(desc->batch_size, N) : nnet__min(32, N);
    batches = (N + B - 1) / B;
    if ((status = nnet_reserve(net, B)) != NNET_OK) return status;
    // Everything the loop needs, allocated once: the shuffled order and one
    // batch of inputs and labels.
    ints = (size_t)N + 2 * (size_t)B;
    order = (int *)nnet__alloc(ints * sizeof(int) + (size_t)B * (size_t)net->n_inputs * sizeof(float), "nnet_train");
    if (!order) return NNET_ERR_MEMORY;
    batch_labels = order + N;
    scratch = batch_labels + B;
    batch = nnet_mat_view(B, net->n_inputs, (float *)(void *)(order + ints));
    for (i = 0; i < N; i++) order[i] = i;
    nnet_rng_seed(&rng, desc->seed);
    net->threads = desc->threads > 1 ? desc->threads : 1;
    memset(net->velocity, 0, net->n_parameters * sizeof(float));

    for (epoch = 0; epoch < desc->epochs; epoch++) {
        nnet_epoch_stats stats;
        nnet_progress progress;
        double started = nnet__seconds(), total_loss = 0.0;
        long correct = 0;
        float lr = nnet_learning_rate(desc, epoch);
        int b;
        if (!desc->no_shuffle)   // Fisher-Yates
            for (i = N - 1; i > 0; i--) {
                int j = (int)nnet_rng_below(&rng, (uint32_t)i + 1), t = order[i];
                order[i] = order[j]; order[j] = t;
            }
        memset(&progress, 0, sizeof progress);
        progress.epoch = epoch + 1; progress.epochs = desc->epochs;
        progress.batches = batches; progress.learning_rate = lr;
        for (b = 0; b < batches; b++) {
            int rows = nnet__min(B, N - b * B);
            nnet_mat X = nnet__rows(batch, rows);
            double loss;
            nnet__gather(X, batch_labels, train, order, b * B);
            if (desc->augment) desc->augment(X, &rng, desc->user_data);
            // Arguments and labels were checked up front: these cannot fail.
            nnet_forward(net, X, 1, &rng);
            nnet_loss_value(net, batch_labels, desc->l2, &loss);
            if (!nnet__is_finite(loss)) {
                status = nnet__fail(NNET_ERR_DIVERGED, "nnet_train: loss is %g at epoch %d, batch %d of %d (learning rate %g); the network keeps the weights from before that batch",
                                    loss, epoch + 1, b + 1, batches, (double)lr);
                goto done;
            }
            total_loss += loss * rows;
            correct += nnet__correct(net, batch_labels, scratch);
            nnet_zero_grad(net);
            nnet_backward(net, X, batch_labels, desc->l2);
            if (nnet_sgd_step(net, lr, desc->momentum, desc->nesterov) != NNET_OK) {
                status = nnet__fail(NNET_ERR_DIVERGED, "nnet_train: the step of epoch %d, batch %d of %d (learning rate %g) would make a weight NaN or infinite; the network keeps the weights from before that batch",
                                    epoch + 1, b + 1, batches, (double)lr);
                goto done;
            }
            if (desc->progress) {
                progress.batch = b + 1;
                progress.loss = total_loss / ((double)b * B + rows);
                progress.accuracy = (double)correct / ((double)b * B + rows);
                progress.seconds = nnet__seconds() - started;
                if (desc->progress(&progress, desc->user_data)) { status = NNET_OK; goto done; }
            }
        }
        stats.epoch = epoch + 1;
        stats.train_loss = total_loss / N;
        stats.train_accuracy = (double)correct / N;
        stats.learning_rate = lr;
        stats.validation_loss = stats.validation_accuracy = NAN;
        if (validation &&
            (status = nnet__evaluate(net, validation, B, batch, batch_labels, scratch,
                                     &stats.validation_loss, &stats.validation_accuracy)) != NNET_OK)
            goto done;
        stats.seconds = nnet__seconds() - started;
        if (history) history[epoch] = stats;
        if (epochs_run) *epochs_run = epoch + 1;
        if (desc->progress) {
            progress.seconds = stats.seconds;
            progress.end_of_epoch = &stats;
            if (desc->progress(&progress, desc->user_data)) break;
        }
    }
    status = NNET_OK;
done:
    NNET_FREE(order);
    return status;
}

// ---- 10. Inference and metrics ---------------------------------------------
#define NNET__PREDICT_CHUNK 256

NNETDEF int nnet_predict(nnet *net, nnet_mat X, nnet_mat P) {
    int start, status;
    if (!net || !X.data || !P.data) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict: NULL net or matrix");
    if (X.cols != net->n_inputs || P.rows != X.rows || P.cols != nnet_output_size(net))
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict: X is %dx%d and P %dx%d, expected N x %d and N x %d",
                          X.rows, X.cols, P.rows, P.cols, net->n_inputs, nnet_output_size(net));
    for (start = 0; start < X.rows; start += NNET__PREDICT_CHUNK) {
        int B = nnet__min(NNET__PREDICT_CHUNK, X.rows - start);
        nnet_mat chunk = nnet_mat_view(B, X.cols, &NNET_AT(X, start, 0));
        if ((status = nnet_forward(net, chunk, 0, NULL)) != NNET_OK) return status;
        memcpy(&NNET_AT(P, start, 0), nnet_output(net).data, (size_t)B * (size_t)P.cols * sizeof(float));
    }
    return NNET_OK;
}

NNETDEF int nnet_predict_classes(nnet *net, nnet_mat X, int *classes) {
    int start, status, i;
    if (!net || !X.data || !classes) return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_classes: NULL net, X or classes");
    if (X.cols != net->n_inputs)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_predict_classes: X has %d columns, the network expects %d", X.cols, net->n_inputs);
    for (start = 0; start < X.rows; start += NNET__PREDICT_CHUNK) {
        int B = nnet__min(NNET__PREDICT_CHUNK, X.rows - start);
        nnet_mat P;
        if ((status = nnet_forward(net, nnet_mat_view(B, X.cols, &NNET_AT(X, start, 0)), 0, NULL)) != NNET_OK)
            return status;
        P = nnet_output(net);
        if (P.cols == 1) for (i = 0; i < B; i++) classes[start + i] = P.data[i] >= 0.5f;
        else nnet_argmax_rows(classes + start, P);
    }
    return NNET_OK;
}

NNETDEF int nnet_evaluate(nnet *net, const nnet_dataset *data, double *loss, double *accuracy) {
    int chunk, status, *labels;
    nnet_mat batch;
    if (!net || !data || !loss || !accuracy || !data->inputs.data || !data->labels)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_evaluate: NULL argument or dataset without inputs or labels");
    if (data->inputs.cols != net->n_inputs || data->inputs.rows < 1)
        return nnet__fail(NNET_ERR_ARGUMENT, "nnet_evaluate: dataset is %dx%d, the network expects N x %d",
                          data->inputs.rows, data->inputs.cols, net->n_inputs);
    chunk = nnet__min(NNET__PREDICT_CHUNK, data->inputs.rows);
    labels = (int *)nnet__alloc(2 * (size_t)chunk * sizeof(int) + (size_t)chunk * (size_t)net->n_inputs * sizeof(float),
                                "nnet_evaluate");
    if (!labels) return NNET_ERR_MEMORY;
    batch = nnet_mat_view(chunk, net->n_inputs, (float *)(void *)(labels + 2 * chunk));
    status = nnet__evaluate(net, data, chunk, batch, labels, labels + chunk, loss, accuracy);
    NNET_FREE(labels);
    return status;
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
    NNET_FREE(s);
    return auc;
}

NNETDEF double nnet_average_precision(const float *scores, const int *is_positive, int n) {
    int positives;
    nnet__scored *s = nnet__sorted_scores(scores, is_positive, n, 1, &positives);
    double ap = nnet__average_precision(s, n, positives);
    NNET_FREE(s);
    return ap;
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
    if (!is_positive || (scores->cols == 1 && !binary)) { NNET_FREE(is_positive); NNET_FREE(binary); nnet_report_free(r); return NULL; }
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
        if (!s) { NNET_FREE(is_positive); NNET_FREE(binary); nnet_report_free(r); return NULL; }
        r->roc_auc[c] = nnet__roc_auc(s, n, positives);
        r->average_precision[c] = nnet__average_precision(s, n, positives);
        r->macro_roc_auc += r->roc_auc[c] / n_classes;
        r->macro_average_precision += r->average_precision[c] / n_classes;
        NNET_FREE(s);
    }
    NNET_FREE(is_positive);
    NNET_FREE(binary);
    return r;
}

NNETDEF void nnet_report_free(nnet_report *report) { NNET_FREE(report); }

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

// ---- 11. IDX files ---------------------------------------------------------

// ---- 12. Image input -------------------------------------------------------
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
#define NNET__IMAGE_MAX_BYTES (1 << 28)   /* largest image file read: 256 MiB */
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
// scan shows bare paper: their median and their median absolute deviation
// (MAD), from 256-bin histograms so they need no allocation. Exact to 1/255,
// the grain of 8-bit images. Both are robust: ink touching up to half of the
// border does not move them.
static int nnet__image_bin(float v) { return v > 0.0f ? (v < 1.0f ? (int)(v * 255.0f + 0.5f) : 255) : 0; } // NaN -> 0

static void nnet__image_border_stats(const float *image, int width, int height, float *median, float *mad) {
    size_t histogram[256], n = 0, seen;
    int pass, x, y, bin, middle = 0;
    for (pass = 0; pass < 2; pass++) {   // pass 0: the values; pass 1: their distances to the median
        memset(histogram, 0, sizeof histogram);
        n = 0;
        for (y = 0; y < height; y++) {
            int step = (y == 0 || y == height - 1) ? 1 : nnet__max(width - 1, 1);
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

NNETDEF int nnet_image_invert_if_light(float *image, int width, int height, int *inverted) {
    size_t i, n;
    float median, mad;
    int status = nnet__image_check("nnet_image_invert_if_light", image, width, height), light;
    if (inverted) *inverted = 0;
    if (status != NNET_OK) return status;
    nnet__image_border_stats(image, width, height, &median, &mad);
    light = median > 0.5f;
    n = (size_t)width * (size_t)height;
    if (light) for (i = 0; i < n; i++) image[i] = 1.0f - image[i];
    if (inverted) *inverted = light;
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
    // becomes 0, as MNIST's background is.
    nnet__image_border_stats(image, width, height, &median, &mad);
    background = median + 3.0f * mad;
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

// Steps 1-5 on a float image, which it overwrites.
static int nnet__image_to_mnist(float *image, int width, int height, float *pixels) {
    float digit[NNET__MNIST_BOX * NNET__MNIST_BOX];
    nnet_image_box box;
    int fit_w, fit_h, status;
    if ((status = nnet_image_invert_if_light(image, width, height, NULL)) != NNET_OK) return status;
    if ((status = nnet_image_stretch_contrast(image, width, height)) != NNET_OK) return status;
    if ((status = nnet_image_bounding_box(image, width, height, NNET__IMAGE_INK, &box)) != NNET_OK) return status;
    if ((status = nnet_image_fit_size(box.width, box.height, NNET__MNIST_BOX, &fit_w, &fit_h)) != NNET_OK) return status;
    if ((status = nnet_image_resize_area(digit, fit_w, fit_h, image + (size_t)box.y * (size_t)width + (size_t)box.x,
                                         box.width, box.height, width)) != NNET_OK) return status;
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
    NNET_FREE(image);
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
// truncated files anyway.
static int nnet__image_check_png(const unsigned char *p, size_t n) {
    size_t at = 8;
    if (n < 24 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0) return NNET_OK;
    if (memcmp(p + 12, "IHDR", 4) == 0) {
        unsigned long width = (unsigned long)p[16] << 24 | (unsigned long)p[17] << 16 | (unsigned long)p[18] << 8 | p[19];
        unsigned long height = (unsigned long)p[20] << 24 | (unsigned long)p[21] << 16 | (unsigned long)p[22] << 8 | p[23];
        if (width > NNET_IMAGE_MAX_SIDE || height > NNET_IMAGE_MAX_SIDE) return nnet__image_too_large(width, height);
    }
    while (at + 8 <= n) {
        unsigned long length = (unsigned long)p[at] << 24 | (unsigned long)p[at + 1] << 16 |
                               (unsigned long)p[at + 2] << 8 | p[at + 3];
        char type[5];
        int c;
        for (c = 0; c < 4; c++) {
            unsigned char t = p[at + 4 + (size_t)c];
            type[c] = (char)((t >= 'A' && t <= 'Z') || (t >= 'a' && t <= 'z') ? t : '?');
        }
        type[4] = '\0';
        if (length > n - at - 8)
            return nnet__fail(NNET_ERR_FORMAT, "PNG chunk %s at byte %zu declares %lu bytes but only %zu follow: "
                              "the file is truncated or corrupt", type, at, length, n - at - 8);
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
    int width, height, channels, want, got_w, got_h, got_c, status, rgb16;
    if (size > (size_t)NNET__IMAGE_MAX_BYTES)
        return nnet__fail(NNET_ERR_FORMAT, "image data is %zu bytes, more than the %d accepted",
                          size, NNET__IMAGE_MAX_BYTES);
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
#if NNET__IMAGE_STB
#include <errno.h>
// Read a whole file of at most `limit` bytes into *out (NNET_FREE it). Reads
// in growing chunks, so pipes work and a directory fails on the read. The
// messages have no function name; the caller puts its own in front.
static int nnet__image_read_file(const char *path, size_t limit, unsigned char **out, size_t *size) {
    FILE *f;
    unsigned char *buffer = NULL;
    size_t capacity = 0, used = 0;
    int status;
    errno = 0;
    f = fopen(path, "rb");
    if (!f) return nnet__fail(NNET_ERR_IO, "cannot open: %s", errno ? strerror(errno) : "fopen failed");
    for (;;) {
        size_t got;
        if (used == capacity) {
            size_t grown = capacity ? 2 * capacity : 65536;
            unsigned char *bigger;
            if (capacity > limit) {
                status = nnet__fail(NNET_ERR_FORMAT, "the file is larger than the %zu bytes accepted for an image", limit);
                break;
            }
            if (grown > limit + 1) grown = limit + 1;
            bigger = (unsigned char *)nnet__alloc(grown, "reading the image file");
            if (!bigger) { status = NNET_ERR_MEMORY; break; }
            if (used) memcpy(bigger, buffer, used);
            NNET_FREE(buffer);
            buffer = bigger; capacity = grown;
        }
        errno = 0;
        got = fread(buffer + used, 1, capacity - used, f);
        used += got;
        if (got > 0) continue;
        if (ferror(f)) {
            status = nnet__fail(NNET_ERR_IO, "cannot read: %s", errno ? strerror(errno) : "read error");
            break;
        }
        if (used == 0) { status = nnet__fail(NNET_ERR_FORMAT, "the file is empty"); break; }
        fclose(f);
        *out = buffer; *size = used;
        return NNET_OK;
    }
    NNET_FREE(buffer);
    fclose(f);
    return status;
}
#endif

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
    status = nnet__image_read_file(path, NNET__IMAGE_MAX_BYTES, &bytes, &size);
    if (status == NNET_OK) {
        status = nnet__image_decode(bytes, size, pixels);
        NNET_FREE(bytes);
    }
    return status == NNET_OK ? status : nnet__image_prefix(status, "nnet_image_load_mnist", path);
#else
    return nnet__fail(NNET_ERR_UNSUPPORTED, "nnet_image_load_mnist: cannot load \"%s\": " NNET__IMAGE_HOW_TO_ENABLE, path);
#endif
}
#endif

// ---- 13. Model files -------------------------------------------------------

#endif // NNET_IMPLEMENTATION_DONE
#endif // NNET_IMPLEMENTATION

/*
------------------------------------------------------------------------------
REVISION HISTORY
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
