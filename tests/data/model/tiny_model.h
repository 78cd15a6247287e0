/* tiny - a trained nnet network as C source, written by nnet_export_c (nnet.h 0.2).
   Architecture: 4 inputs -> 8 tanh -> 6 leaky_relu -> 3 softmax; loss ce; 115 parameters.

   Build the network with no file and no allocation (in one C file):

       #include "nnet.h"
       #include "tiny_model.h"
       nnet net;
       nnet_init_static(&net, &tiny_desc, tiny_parameters);   // NNET_OK
       nnet_predict_with(&net, X, P, TINY_BATCH, tiny_scratch, TINY_SCRATCH_FLOATS);

   X is (N, TINY_N_INPUTS) and P (N, TINY_N_OUTPUTS); the rows go through TINY_BATCH
   at a time (default 1; define it before including this file for more).
   Do not edit: regenerate it. */
#ifndef TINY_NNET_MODEL_H
#define TINY_NNET_MODEL_H

#define TINY_N_INPUTS 4
#define TINY_N_OUTPUTS 3
#define TINY_N_PARAMETERS 115
#ifndef TINY_BATCH
#define TINY_BATCH 1
#endif
/* = nnet_predict_scratch_floats(&net, TINY_BATCH) */
#define TINY_SCRATCH_FLOATS (TINY_BATCH * 19)

static const nnet_desc tiny_desc = {
    4, 3,
    {8, 6, 3},
    {NNET_ACT_TANH, NNET_ACT_LEAKY_RELU, NNET_ACT_SOFTMAX},
    {0.125f, 0.0f, 0.0f},
    0.0500000007f, NNET_LOSS_CROSS_ENTROPY, NNET_INIT_DEFAULT, 0.0f, 0, 1.0f
};

/* W_0 (8 x 4), b_0 (8), W_1, b_1, ...: row-major, as nnet keeps them */
static const float tiny_parameters[115] = {
    1.74511969f, -1.89484978f, 1.03076887f, -0.0647633895f, 1.11842716f, 1.75393581f,
    -1.77713835f, -0.346380681f, -0.530955493f, -1.85695398f, 1.82690942f, 0.815166771f,
    1.44312799f, 0.64465487f, -1.46427584f, -0.167963207f, 2.17087245f, -1.16262221f,
    -1.85535014f, -0.138448313f, -1.97670984f, 0.0983922109f, 1.7599088f, -0.499415725f,
    -1.31967473f, 2.31333089f, -1.66915679f, -0.267210513f, 2.06657267f, -1.42912793f,
    0.0139886932f, -0.546125233f, -0.0269233845f, 0.906466603f, -0.139337957f, -0.286541015f,
    -0.587500334f, 0.0422377586f, 0.158613086f, 0.707682252f, 0.442315817f, -0.285169661f,
    0.0466465279f, 0.0346656479f, 0.0260314941f, 0.332880139f, 0.425802618f, 0.319979846f,
    0.33772549f, -1.34961593f, 1.16988945f, -0.824459732f, -1.03324378f, 1.09115982f,
    -1.08079505f, -0.663891554f, -0.626878858f, 0.623572826f, -0.606167912f, 0.535527289f,
    -0.792312682f, 0.263165116f, 0.874429941f, -0.657036543f, 1.22057426f, 0.22754395f,
    -0.138899222f, 0.754950583f, 1.07367182f, -0.654729307f, -1.11382747f, 1.13159096f,
    0.757120073f, -0.355243862f, 0.175981626f, 0.0592039786f, 0.0599408783f, 0.735121191f,
    0.747700214f, 0.875453889f, -0.211001605f, -1.1422106f, -0.964747965f, -0.150508404f,
    0.0782645047f, 1.35430658f, 0.105824552f, -0.445138663f, -0.269827932f, -0.27034381f,
    -0.213220552f, -0.138829783f, -0.115284272f, -0.640804291f, 0.137493044f, -0.759297132f,
    0.0832192674f, 0.955892563f, -0.505865157f, -0.422840923f, -0.0942634195f, -0.662839711f,
    1.17525291f, -0.602074265f, -0.666062534f, 0.471236736f, 0.337617636f, 0.985842168f,
    -0.93555367f, -0.547569036f, 0.0116742728f, 0.371587515f, -0.267235756f, 0.982001364f,
    -0.714764297f
};

static float tiny_scratch[TINY_SCRATCH_FLOATS];

#endif
