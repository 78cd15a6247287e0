/* relu - an int8 network for microcontrollers, written by nnet_export_int8_c (nnet.h 0.2).
   Architecture: 12 inputs -> 10 relu -> 8 identity -> 4 softmax; ranges calibrated on 64 samples.
   Quantised as TensorFlow Lite and CMSIS-NN do, real = scale * (q - zero_point):
   int8 weights with one scale per neuron, int32 biases, int8 activations.
   Model data: 496 bytes of const arrays (flash); activations: 2 x 10 bytes (RAM).

   Use (C99 or C++; no libc, no allocation):

       #include "relu_int8.h"
       int8_t x[RELU_N_INPUTS];
       relu_quantize(real, x);
       int k = relu_classify(x);
       const int8_t *z = relu_run(x);

   relu_quantize turns real inputs into the network's codes, round(real /
   RELU_INPUT_SCALE) + RELU_INPUT_ZERO_POINT clamped to [-128, 127], in float
   arithmetic (without a float unit, make the codes elsewhere). Everything else
   is integer arithmetic. relu_classify gives the predicted class, relu_run the
   RELU_N_OUTPUTS int8 outputs (logits), each worth RELU_OUTPUT_SCALE *
   (z[k] - RELU_OUTPUT_ZERO_POINT); the output activation (softmax) is left to
   the caller. relu_run keeps the layers' outputs in one static buffer pair,
   relu_activations: one call at a time, and z holds until the next call.
   relu_dense computes for each layer of relu_layers what CMSIS-NN's
   arm_fully_connected_per_channel_s8 computes with the same arrays, offsets
   and clamp (docs/microcontrollers.md in nnet.h's repository).
   Do not edit: regenerate it. */
#ifndef RELU_INT8_H
#define RELU_INT8_H

#include <stdint.h>

#define RELU_N_INPUTS 12
#define RELU_N_OUTPUTS 4
#define RELU_INPUT_SCALE 0.00784313772f
#define RELU_INPUT_ZERO_POINT (-1)
#define RELU_OUTPUT_SCALE 0.0774318352f
#define RELU_OUTPUT_ZERO_POINT (48)
#define RELU_MODEL_BYTES 496
#define RELU_ACTIVATION_BYTES 20

/* Layer 0: 12 -> 10, relu (the clamp). Input scale 0.00784313772, zero point -1; output scale 0.0202205889, zero point -128. */
static const int8_t relu_weight_0[120] = {  /* (10, 12), row-major */
    -79, -111, -64, -16, -111, -48, 0, 127, 32, -79, -111, -48, 95, -111, -32, 95, -127, -111, -79, 127,
    -79, 16, -64, 127, 127, -64, -111, -64, 95, 64, 48, 95, 95, -79, -79, -127, -73, 127, -36, 36,
    36, 91, 0, -73, 109, 18, -36, 73, 111, -95, 32, 48, 48, 0, 48, 32, 32, 48, -127, -127,
    109, -54, -73, 0, -109, 0, 54, 127, 54, 54, 109, 36, 16, -16, -48, -16, -127, -79, -48, 64,
    -95, 111, -127, -95, 0, 54, -127, -91, 0, -127, 73, -127, 73, -36, 109, 18, 64, 64, 79, 16,
    64, 127, 0, 64, -32, 111, -48, 48, 36, 54, -127, 109, -36, 0, 18, -109, -18, -54, -73, 127
};
static const int32_t relu_bias_0[10] = {  /* input scale * weight scale */
    14168, 16192, 0, -13879, -2024, 0, 4048, 16192, 12144, -13879
};
static const int32_t relu_multiplier_0[10] = {  /* Q31 */
    1679044280, 1679044280, 1679044280, 1469163745, 1679044280, 1469163745, 1679044280, 1469163745, 1679044280, 1469163745
};
static const int32_t relu_shift_0[10] = {  /* CMSIS-NN's: negative = right */
    -8, -8, -8, -8, -8, -8, -8, -8, -8, -8
};

/* Layer 1: 10 -> 8, identity. Input scale 0.0202205889, zero point -128; output scale 0.0645220578, zero point 25. */
static const int8_t relu_weight_1[80] = {  /* (8, 10), row-major */
    -79, 79, -32, -79, -16, 95, 95, 48, 127, 127, -36, -127, -54, -18, -73, 0, -109, 18, -73, -127,
    16, -127, -64, 79, -79, -79, -48, -16, -79, 32, -32, -79, 64, 48, -16, -16, 127, -48, 64, -32,
    -106, 127, 127, -85, 64, 0, -106, -106, -21, 0, -73, 18, 109, -91, 0, 54, 109, 127, 73, -36,
    -54, -127, -73, -91, 54, 109, 91, -73, 127, -127, 32, -48, 0, 127, 111, 64, 64, 16, 95, -64
};
static const int32_t relu_bias_1[8] = {  /* input scale * weight scale */
    -5496, 3589, 785, 3140, 8374, -1794, 5383, 3925
};
static const int32_t relu_multiplier_1[8] = {  /* Q31 */
    1356599642, 1187024687, 1356599642, 1356599642, 2034899463, 1187024687, 1187024687, 1356599642
};
static const int32_t relu_shift_1[8] = {  /* CMSIS-NN's: negative = right */
    -8, -8, -8, -8, -9, -8, -8, -8
};

/* Layer 2: 8 -> 4, softmax (left to the caller). Input scale 0.0645220578, zero point 25; output scale 0.0774318352, zero point 48. */
static const int8_t relu_weight_2[32] = {  /* (4, 8), row-major */
    48, 127, -48, 64, -79, 95, -48, -111, -79, 79, -16, 32, 79, 0, 79, 127, -73, 109, 109, -109,
    -18, 73, 127, 127, -79, -32, -64, -127, -95, -16, 48, -111
};
static const int32_t relu_bias_2[4] = {  /* input scale * weight scale */
    -1968, -738, 1968, 492
};
static const int32_t relu_multiplier_2[4] = {  /* Q31 */
    1803535809, 1803535809, 1578093833, 1803535809
};
static const int32_t relu_shift_2[4] = {  /* CMSIS-NN's: negative = right */
    -7, -7, -7, -7
};

/* Each layer as CMSIS-NN's cmsis_nn_fc_params and per-channel parameters hold it:
   input_offset = -(input zero point), output_offset = the output zero point. */
typedef struct relu_layer {
    int32_t n_inputs, n_outputs;
    const int8_t *weight;                         /* (n_outputs, n_inputs) */
    const int32_t *bias, *multiplier, *shift;     /* (n_outputs) */
    int32_t input_offset, output_offset, activation_min, activation_max;
    const int8_t *table;                          /* y = table[y + 128] after the clamp, or 0 */
} relu_layer;

#define RELU_N_LAYERS 3
static const relu_layer relu_layers[RELU_N_LAYERS] = {
    {12, 10, relu_weight_0, relu_bias_0, relu_multiplier_0, relu_shift_0, 1, -128, -128, 127, (const int8_t *)0},
    {10, 8, relu_weight_1, relu_bias_1, relu_multiplier_1, relu_shift_1, 128, 25, -128, 127, (const int8_t *)0},
    {8, 4, relu_weight_2, relu_bias_2, relu_multiplier_2, relu_shift_2, -25, 48, -128, 127, (const int8_t *)0}
};

static int8_t relu_activations[2][10];

/* CMSIS-NN's arm_nn_requantize for shift <= 0: value * multiplier / 2^31 rounded to
   nearest, then divided by 2^-shift rounding halves away from zero. */
static inline int32_t relu_requantize(int32_t value, int32_t multiplier, int32_t shift) {
    int32_t high = (int32_t)(((int64_t)value * multiplier + ((int64_t)1 << 30)) >> 31);
    int32_t exponent = -shift;
    int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    int32_t result = high >> exponent, threshold = (mask >> 1) + (result < 0);
    return result + ((high & mask) > threshold);
}

/* One dense layer, y (n_outputs) from x (n_inputs): y[o] = clamp(requantize(bias[o] +
   sum_i weight[o][i] (x[i] + input_offset)) + output_offset), then table[y[o] + 128]. */
static inline void relu_dense(const relu_layer *layer, const int8_t *x, int8_t *y) {
    int32_t o, i;
    for (o = 0; o < layer->n_outputs; o++) {
        const int8_t *w = layer->weight + o * layer->n_inputs;
        int32_t acc = layer->bias[o];
        for (i = 0; i < layer->n_inputs; i++) acc += (int32_t)w[i] * ((int32_t)x[i] + layer->input_offset);
        acc = relu_requantize(acc, layer->multiplier[o], layer->shift[o]) + layer->output_offset;
        acc = acc < layer->activation_min ? layer->activation_min : acc > layer->activation_max ? layer->activation_max : acc;
        y[o] = layer->table ? layer->table[acc + 128] : (int8_t)acc;
    }
}

/* The network: x (RELU_N_INPUTS) in, the output layer's int8 logits (RELU_N_OUTPUTS) out.
   Layer l writes relu_activations[l % 2]. */
static inline const int8_t *relu_run(const int8_t *x) {
    int32_t l;
    for (l = 0; l < RELU_N_LAYERS; l++) relu_dense(&relu_layers[l], l ? relu_activations[(l - 1) % 2] : x, relu_activations[l % 2]);
    return relu_activations[(RELU_N_LAYERS - 1) % 2];
}

/* The predicted class: the largest logit, the first of equals. */
static inline int relu_classify(const int8_t *x) {
    const int8_t *z = relu_run(x);
    int k, best = 0;
    for (k = 1; k < RELU_N_OUTPUTS; k++) if (z[k] > z[best]) best = k;
    return best;
}

/* x = the codes of the real inputs: round(real / scale), halves away from zero,
   + zero point, clamped to [-128, 127]; float arithmetic, no libc. */
static inline void relu_quantize(const float *real, int8_t *x) {
    int32_t i, q;
    for (i = 0; i < RELU_N_INPUTS; i++) {
        float v = real[i] / RELU_INPUT_SCALE;
        if (!(v >= -256.0f)) v = -256.0f;
        if (v > 256.0f) v = 256.0f;
        q = (int32_t)v;
        if (v - (float)q >= 0.5f) q++;
        else if (v - (float)q <= -0.5f) q--;
        q += RELU_INPUT_ZERO_POINT;
        x[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
    }
}

#endif
