/* lut - an int8 network for microcontrollers, written by nnet_export_int8_c (nnet.h 0.2).
   Architecture: 6 inputs -> 8 tanh -> 6 sigmoid -> 5 leaky_relu -> 1 sigmoid; ranges calibrated on 64 samples.
   Quantised as TensorFlow Lite and CMSIS-NN do, real = scale * (q - zero_point):
   int8 weights with one scale per neuron, int32 biases, int8 activations.
   Model data: 1139 bytes of const arrays (flash); activations: 2 x 8 bytes (RAM).

   Use (C99 or C++; no libc, no allocation):

       #include "lut_int8.h"
       int8_t x[LUT_N_INPUTS];
       lut_quantize(real, x);
       int k = lut_classify(x);
       const int8_t *z = lut_run(x);

   lut_quantize turns real inputs into the network's codes, round(real /
   LUT_INPUT_SCALE) + LUT_INPUT_ZERO_POINT clamped to [-128, 127], in float
   arithmetic (without a float unit, make the codes elsewhere). Everything else
   is integer arithmetic. lut_classify gives the predicted class, lut_run the
   LUT_N_OUTPUTS int8 outputs (logits), each worth LUT_OUTPUT_SCALE *
   (z[k] - LUT_OUTPUT_ZERO_POINT); the output activation (sigmoid) is left to
   the caller. lut_run keeps the layers' outputs in one static buffer pair,
   lut_activations: one call at a time, and z holds until the next call.
   lut_dense computes for each layer of lut_layers what CMSIS-NN's
   arm_fully_connected_per_channel_s8 computes with the same arrays, offsets
   and clamp (docs/microcontrollers.md in nnet.h's repository).
   Do not edit: regenerate it. */
#ifndef LUT_INT8_H
#define LUT_INT8_H

#include <stdint.h>

#define LUT_N_INPUTS 6
#define LUT_N_OUTPUTS 1
#define LUT_INPUT_SCALE 0.00784313772f
#define LUT_INPUT_ZERO_POINT (-1)
#define LUT_OUTPUT_SCALE 0.00464935973f
#define LUT_OUTPUT_ZERO_POINT (-12)
#define LUT_MODEL_BYTES 1139
#define LUT_ACTIVATION_BYTES 16

/* Layer 0: 6 -> 8, tanh (the table). Input scale 0.00784313772, zero point -1; output scale 0.00782774016, zero point -1. */
static const int8_t lut_weight_0[48] = {  /* (8, 6), row-major */
    -64, 79, 127, -111, 48, -16, -127, 21, 42, -21, 21, 0, 106, -106, -85, 64, 106, 127, -64, -95,
    16, 48, 64, 127, 16, -48, 111, 32, -16, -127, -106, 127, -42, 0, 127, 106, -32, -127, 16, -32,
    95, 64, -95, -127, -64, -32, -48, -111
};
static const int32_t lut_bias_0[8] = {  /* input scale * weight scale */
    -12144, 18891, -10795, -6072, -14168, 18891, 2024, 16192
};
static const int32_t lut_multiplier_0[8] = {  /* Q31 */
    1231299169, 1846948754, 1846948754, 1231299169, 1231299169, 1846948754, 1231299169, 1231299169
};
static const int32_t lut_shift_0[8] = {  /* CMSIS-NN's: negative = right */
    -8, -9, -9, -8, -8, -9, -8, -8
};
static const int8_t lut_table_0[256] = {  /* y = table[z + 128] */
    -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
    -128, -128, -128, -127, -127, -127, -127, -127, -127, -127, -127, -127, -127, -127, -126, -126, -126, -126, -126, -126,
    -126, -125, -125, -125, -125, -125, -124, -124, -124, -123, -123, -123, -123, -122, -122, -121, -121, -121, -120, -120,
    -119, -119, -118, -118, -117, -116, -116, -115, -114, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -103,
    -102, -101, -99, -98, -96, -95, -93, -91, -90, -88, -86, -84, -82, -80, -77, -75, -73, -70, -68, -65,
    -62, -60, -57, -54, -51, -48, -45, -42, -39, -35, -32, -29, -25, -22, -19, -15, -12, -8, -5, -1,
    3, 6, 10, 13, 17, 20, 23, 27, 30, 33, 37, 40, 43, 46, 49, 52, 55, 58, 60, 63,
    66, 68, 71, 73, 75, 78, 80, 82, 84, 86, 88, 89, 91, 93, 94, 96, 97, 99, 100, 101,
    103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 112, 113, 114, 114, 115, 116, 116, 117, 117, 118,
    118, 119, 119, 119, 120, 120, 121, 121, 121, 121, 122, 122, 122, 123, 123, 123, 123, 123, 124, 124,
    124, 124, 124, 124, 124, 125, 125, 125, 125, 125, 125, 125, 125, 125, 125, 125, 126, 126, 126, 126,
    126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126, 126,
    126, 126, 126, 126, 126, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127, 127
};

/* Layer 1: 8 -> 6, sigmoid (the table). Input scale 0.00782774016, zero point -1; output scale 0.00380518939, zero point -128. */
static const int8_t lut_weight_1[48] = {  /* (6, 8), row-major */
    111, 0, -111, -32, -127, -95, 32, 111, 0, -91, 0, -18, 54, 0, 127, -127, -127, 16, -95, 79,
    -48, -95, 111, 127, -127, 16, -64, -48, 111, -79, -48, 79, -54, 36, 54, 18, 18, 18, 127, -127,
    -16, -16, 32, 48, 16, -111, 127, 79
};
static const int32_t lut_bias_1[6] = {  /* input scale * weight scale */
    10140, 6953, 8112, 0, -9271, -10140
};
static const int32_t lut_multiplier_1[6] = {  /* Q31 */
    1346341367, 1178048696, 1346341367, 1346341367, 1178048696, 1346341367
};
static const int32_t lut_shift_1[6] = {  /* CMSIS-NN's: negative = right */
    -8, -8, -8, -8, -8, -8
};
static const int8_t lut_table_1[256] = {  /* y = table[z + 128] */
    -115, -114, -114, -114, -113, -113, -112, -112, -112, -111, -111, -111, -110, -110, -109, -109, -108, -108, -107, -107,
    -106, -106, -105, -105, -104, -104, -103, -103, -102, -102, -101, -100, -100, -99, -98, -98, -97, -96, -96, -95,
    -94, -93, -93, -92, -91, -90, -89, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77,
    -76, -75, -74, -73, -72, -71, -70, -69, -68, -66, -65, -64, -63, -61, -60, -59, -58, -56, -55, -54,
    -52, -51, -50, -48, -47, -45, -44, -43, -41, -40, -38, -37, -35, -34, -32, -31, -29, -27, -26, -24,
    -23, -21, -20, -18, -16, -15, -13, -11, -10, -8, -7, -5, -3, -2, 0, 2, 3, 5, 7, 8,
    10, 12, 13, 15, 17, 18, 20, 21, 23, 25, 26, 28, 30, 31, 33, 34, 36, 37, 39, 40,
    42, 43, 45, 46, 48, 49, 51, 52, 54, 55, 56, 58, 59, 61, 62, 63, 64, 66, 67, 68,
    70, 71, 72, 73, 74, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90,
    91, 92, 93, 94, 95, 95, 96, 97, 98, 99, 99, 100, 101, 102, 102, 103, 104, 105, 105, 106,
    106, 107, 108, 108, 109, 110, 110, 111, 111, 112, 112, 113, 113, 114, 114, 115, 115, 116, 116, 116,
    117, 117, 118, 118, 119, 119, 119, 120, 120, 120, 121, 121, 121, 122, 122, 122, 123, 123, 123, 123,
    124, 124, 124, 124, 125, 125, 125, 125, 126, 126, 126, 126, 126, 127, 127, 127
};

/* Layer 2: 6 -> 5, leaky_relu (the table). Input scale 0.00380518939, zero point -128; output scale 0.0049901274, zero point -95. */
static const int8_t lut_weight_2[30] = {  /* (5, 6), row-major */
    127, -73, -36, 127, 127, 109, 109, 0, 127, -18, 109, 0, 73, 0, -109, 127, -36, 127, 21, -21,
    -127, -85, -42, -64, 64, 48, 32, 64, -127, 111
};
static const int32_t lut_bias_2[5] = {  /* input scale * weight scale */
    -38143, -33375, 4768, 5563, -25032
};
static const int32_t lut_multiplier_2[5] = {  /* Q31 */
    1509512055, 1509512055, 1509512055, 1293867475, 1725156634
};
static const int32_t lut_shift_2[5] = {  /* CMSIS-NN's: negative = right */
    -8, -8, -8, -8, -8
};
static const int8_t lut_table_2[256] = {  /* y = table[z + 128] */
    -128, -128, -128, -128, -127, -127, -127, -127, -126, -126, -126, -126, -125, -125, -125, -125, -124, -124, -124, -124,
    -123, -123, -123, -123, -123, -122, -122, -122, -122, -121, -121, -121, -121, -120, -120, -120, -120, -119, -119, -119,
    -119, -118, -118, -118, -118, -117, -117, -117, -117, -117, -116, -116, -116, -116, -115, -115, -115, -115, -114, -114,
    -114, -114, -113, -113, -113, -113, -112, -112, -112, -112, -112, -111, -111, -111, -111, -110, -110, -110, -110, -109,
    -109, -109, -109, -108, -108, -108, -108, -107, -107, -107, -107, -106, -106, -106, -106, -106, -105, -105, -105, -105,
    -104, -104, -104, -104, -103, -103, -103, -103, -102, -102, -102, -102, -101, -101, -101, -101, -101, -100, -100, -100,
    -100, -99, -99, -99, -99, -98, -98, -98, -98, -97, -97, -97, -97, -96, -96, -96, -96, -95, -95, -95,
    -93, -91, -89, -87, -85, -84, -82, -80, -78, -76, -74, -72, -70, -68, -66, -64, -62, -61, -59, -57,
    -55, -53, -51, -49, -47, -45, -43, -41, -40, -38, -36, -34, -32, -30, -28, -26, -24, -22, -20, -18,
    -17, -15, -13, -11, -9, -7, -5, -3, -1, 1, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20,
    22, 24, 26, 27, 29, 31, 33, 35, 37, 39, 41, 43, 45, 47, 49, 50, 52, 54, 56, 58,
    60, 62, 64, 66, 68, 70, 71, 73, 75, 77, 79, 81, 83, 85, 87, 89, 91, 93, 94, 96,
    98, 100, 102, 104, 106, 108, 110, 112, 114, 115, 117, 119, 121, 123, 125, 127
};

/* Layer 3: 5 -> 1, sigmoid (left to the caller). Input scale 0.0049901274, zero point -95; output scale 0.00464935973, zero point -12. */
static const int8_t lut_weight_3[5] = {  /* (1, 5), row-major */
    32, 127, -79, -79, 64
};
static const int32_t lut_bias_3[1] = {  /* input scale * weight scale */
    -6363
};
static const int32_t lut_multiplier_3[1] = {  /* Q31 */
    1161514406
};
static const int32_t lut_shift_3[1] = {  /* CMSIS-NN's: negative = right */
    -6
};

/* Each layer as CMSIS-NN's cmsis_nn_fc_params and per-channel parameters hold it:
   input_offset = -(input zero point), output_offset = the output zero point. */
typedef struct lut_layer {
    int32_t n_inputs, n_outputs;
    const int8_t *weight;                         /* (n_outputs, n_inputs) */
    const int32_t *bias, *multiplier, *shift;     /* (n_outputs) */
    int32_t input_offset, output_offset, activation_min, activation_max;
    const int8_t *table;                          /* y = table[y + 128] after the clamp, or 0 */
} lut_layer;

#define LUT_N_LAYERS 4
static const lut_layer lut_layers[LUT_N_LAYERS] = {
    {6, 8, lut_weight_0, lut_bias_0, lut_multiplier_0, lut_shift_0, 1, -9, -128, 127, lut_table_0},
    {8, 6, lut_weight_1, lut_bias_1, lut_multiplier_1, lut_shift_1, 1, -12, -128, 127, lut_table_1},
    {6, 5, lut_weight_2, lut_bias_2, lut_multiplier_2, lut_shift_2, 128, 11, -128, 127, lut_table_2},
    {5, 1, lut_weight_3, lut_bias_3, lut_multiplier_3, lut_shift_3, 95, -12, -128, 127, (const int8_t *)0}
};

static int8_t lut_activations[2][8];

/* CMSIS-NN's arm_nn_requantize for shift <= 0: value * multiplier / 2^31 rounded to
   nearest, then divided by 2^-shift rounding halves away from zero. */
static inline int32_t lut_requantize(int32_t value, int32_t multiplier, int32_t shift) {
    int32_t high = (int32_t)(((int64_t)value * multiplier + ((int64_t)1 << 30)) >> 31);
    int32_t exponent = -shift;
    int32_t mask = (int32_t)(((uint32_t)1 << exponent) - 1u);
    int32_t result = high >> exponent, threshold = (mask >> 1) + (result < 0);
    return result + ((high & mask) > threshold);
}

/* One dense layer, y (n_outputs) from x (n_inputs): y[o] = clamp(requantize(bias[o] +
   sum_i weight[o][i] (x[i] + input_offset)) + output_offset), then table[y[o] + 128]. */
static inline void lut_dense(const lut_layer *layer, const int8_t *x, int8_t *y) {
    int32_t o, i;
    for (o = 0; o < layer->n_outputs; o++) {
        const int8_t *w = layer->weight + o * layer->n_inputs;
        int32_t acc = layer->bias[o];
        for (i = 0; i < layer->n_inputs; i++) acc += (int32_t)w[i] * ((int32_t)x[i] + layer->input_offset);
        acc = lut_requantize(acc, layer->multiplier[o], layer->shift[o]) + layer->output_offset;
        acc = acc < layer->activation_min ? layer->activation_min : acc > layer->activation_max ? layer->activation_max : acc;
        y[o] = layer->table ? layer->table[acc + 128] : (int8_t)acc;
    }
}

/* The network: x (LUT_N_INPUTS) in, the output layer's int8 logits (LUT_N_OUTPUTS) out.
   Layer l writes lut_activations[l % 2]. */
static inline const int8_t *lut_run(const int8_t *x) {
    int32_t l;
    for (l = 0; l < LUT_N_LAYERS; l++) lut_dense(&lut_layers[l], l ? lut_activations[(l - 1) % 2] : x, lut_activations[l % 2]);
    return lut_activations[(LUT_N_LAYERS - 1) % 2];
}

/* The predicted class: 1 when the output means p >= 0.5. */
static inline int lut_classify(const int8_t *x) { return lut_run(x)[0] >= -12; }

/* x = the codes of the real inputs: round(real / scale), halves away from zero,
   + zero point, clamped to [-128, 127]; float arithmetic, no libc. */
static inline void lut_quantize(const float *real, int8_t *x) {
    int32_t i, q;
    for (i = 0; i < LUT_N_INPUTS; i++) {
        float v = real[i] / LUT_INPUT_SCALE;
        if (!(v >= -256.0f)) v = -256.0f;
        if (v > 256.0f) v = 256.0f;
        q = (int32_t)v;
        if (v - (float)q >= 0.5f) q++;
        else if (v - (float)q <= -0.5f) q--;
        q += LUT_INPUT_ZERO_POINT;
        x[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
    }
}

#endif
