/* main.c - classify test digits with an int8 network that nnet.h exported,
   on a Cortex-M4 (QEMU's mps2-an386, with startup.c and mps2-an386.ld) or,
   built with -DMCU_HOST, on the host: one source, so the outputs compare.
   model.h and digits.h come from examples/quantize.c. It prints the shape,
   the predicted classes 50 to a line (each line led by its first index),
   and how many match the labels; `make test-mcu` builds and runs it both
   ways and checks both print what nnet.h's own int8 code predicts
   (expected.txt). docs/microcontrollers.md has the commands.
   Build (host):      cc -std=c99 -O2 -DMCU_HOST -Ibuild/mcu/128 examples/mcu/main.c -o host
   Build (Cortex-M4): arm-none-eabi-gcc -std=c99 -O2 -mcpu=cortex-m4 -mthumb -ffunction-sections
                      -fdata-sections --specs=nano.specs -nostartfiles -Wl,--gc-sections -Ibuild/mcu/128
                      examples/mcu/main.c examples/mcu/startup.c -T examples/mcu/mps2-an386.ld -o mcu.elf
   Run:               qemu-system-arm -M mps2-an386 -nographic -semihosting -kernel mcu.elf */
#include "model.h"
#include "digits.h"

#ifdef MCU_HOST
#include <stdio.h>
static void mcu_write(const char *text) { fputs(text, stdout); }
#else
void mcu_write(const char *text);   // startup.c: semihosting
#endif

#ifdef MCU_CMSIS_NN
// model_classify with CMSIS-NN (7.0 or later) doing the layers: each entry
// of model_layers becomes one arm_fully_connected_per_channel_s8 call, with
// the layer's table (if any) applied after it. Its int8 outputs must equal
// model_run's byte for byte (else the class printed is -1). Built with
// -DMCU_CMSIS_NN and CMSIS-NN's sources by `make test-mcu CMSIS_NN=DIR`.
#include "arm_nnfunctions.h"
#if MODEL_N_OUTPUTS < 2
#error "this classify takes the largest of several outputs"
#endif
static int classify(const int8_t *x) {
    static int8_t buffers[2][MODEL_ACTIVATION_BYTES / 2];
    const int8_t *input = x;
    int l, k, best = 0;
    for (l = 0; l < MODEL_N_LAYERS; l++) {
        const model_layer *layer = &model_layers[l];
        int8_t *output = buffers[l % 2];
        cmsis_nn_context context = {0, 0};   // arm_fully_connected_s8_get_buffer_size: 0 bytes without MVE
        cmsis_nn_fc_params fc = {layer->input_offset, 0, layer->output_offset, {layer->activation_min, layer->activation_max}};
        cmsis_nn_per_channel_quant_params quant = {(int32_t *)layer->multiplier, (int32_t *)layer->shift};
        cmsis_nn_dims input_dims = {1, 1, 1, layer->n_inputs}, filter_dims = {layer->n_inputs, 1, 1, layer->n_outputs};
        cmsis_nn_dims bias_dims = {1, 1, 1, layer->n_outputs}, output_dims = {1, 1, 1, layer->n_outputs};
        if (arm_fully_connected_per_channel_s8(&context, &fc, &quant, &input_dims, input, &filter_dims, layer->weight,
                                               &bias_dims, layer->bias, &output_dims, output) != ARM_CMSIS_NN_SUCCESS)
            return -1;
        if (layer->table) for (k = 0; k < layer->n_outputs; k++) output[k] = layer->table[output[k] + 128];
        input = output;
    }
    for (k = 0; k < MODEL_N_OUTPUTS; k++) if (input[k] != model_run(x)[k]) return -1;
    for (k = 1; k < MODEL_N_OUTPUTS; k++) if (input[k] > input[best]) best = k;
    return best;
}
#else
#define classify model_classify
#endif

// Append n in decimal to text at *at, with no libc.
static void put_number(char *text, int *at, long n) {
    char digits[12];
    int k = 0;
    if (n < 0) { text[(*at)++] = '-'; n = -n; }
    do { digits[k++] = (char)('0' + n % 10); n /= 10; } while (n > 0);
    while (k > 0) text[(*at)++] = digits[--k];
}

static void put_text(char *text, int *at, const char *s) {
    while (*s) text[(*at)++] = *s++;
}

// End the line in text, write it, and start the next one.
static void end_line(char *text, int *at) {
    text[(*at)++] = '\n';
    text[*at] = '\0';
    mcu_write(text);
    *at = 0;
}

int main(void) {
    char line[512];   // a line of 50 classes, however many digits each has
    int i, at = 0, correct = 0;
    put_text(line, &at, "int8 network: ");
    put_number(line, &at, MODEL_N_INPUTS);
    put_text(line, &at, " inputs, ");
    put_number(line, &at, MODEL_N_OUTPUTS);
    put_text(line, &at, " outputs; ");
    put_number(line, &at, TEST_DIGITS);
    put_text(line, &at, " test digits");
    end_line(line, &at);
    for (i = 0; i < TEST_DIGITS; i++) {
        int k = classify(test_digits[i]);
        correct += k == test_labels[i];
        if (i % 50 == 0) { put_number(line, &at, i); put_text(line, &at, " "); }
        put_number(line, &at, k);
        if (i % 50 == 49 || i == TEST_DIGITS - 1) end_line(line, &at);
    }
    put_text(line, &at, "correct ");
    put_number(line, &at, correct);
    put_text(line, &at, " of ");
    put_number(line, &at, TEST_DIGITS);
    end_line(line, &at);
    return 0;
}
