/* tests/test_image.c - section 14: the MNIST-style preprocessing steps on
   hand-checkable synthetic images, the stb_image loaders on real MNIST digits
   written to PNG, the sample pictures in data/digits/, and the error paths
   (tests/data/image/ holds malformed files, made by make_bad_images.py).
   Run from the repository root (make test does). */
#define _XOPEN_SOURCE 700 /* popen, mkdtemp, opendir */
#include <dirent.h>
#include <stb/stb_image.h>
#include <stb/stb_image_write.h> /* stbi_write_png (in -lstb) */
#include <unistd.h>
#define NNET_IMPLEMENTATION
#include "nnet.h"
#include "test.h"

#define N_DIGITS 2000
static unsigned char *t10k; /* (N_DIGITS, 28, 28) MNIST test digits, from gzip */
static unsigned char *t10k_labels; /* (N_DIGITS) */
static char tmpdir[64];

static float pixel_sum(const float *x, size_t n) {
    double s = 0.0;
    size_t i;
    for (i = 0; i < n; i++) s += x[i];
    return (float)s;
}

/* Pearson correlation of a (784) float digit with an 8-bit MNIST digit. */
static double correlation(const float *a, const unsigned char *b) {
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    int i;
    for (i = 0; i < 784; i++) { ma += a[i]; mb += b[i] / 255.0; }
    ma /= 784; mb /= 784;
    for (i = 0; i < 784; i++) {
        double da = a[i] - ma, db = b[i] / 255.0 - mb;
        sab += da * db; saa += da * da; sbb += db * db;
    }
    return sab / sqrt(saa * sbb);
}

/* n bytes after a header of `skip` bytes of a gzipped IDX file, or NULL. */
static unsigned char *read_gz(const char *path, size_t skip, size_t n) {
    char cmd[256];
    unsigned char header[16], *data = (unsigned char *)malloc(n);
    FILE *p;
    int ok;
    snprintf(cmd, sizeof cmd, "gzip -dc %s", path);
    p = popen(cmd, "r");
    ok = p && data && fread(header, 1, skip, p) == skip && fread(data, 1, n, p) == n;
    if (p) pclose(p);
    if (!ok) { free(data); return NULL; }
    return data;
}

/* ---- the steps, on synthetic images ---- */

static void test_invert_if_light(void) {
    float img[25];
    int i, inverted = -1;
    for (i = 0; i < 25; i++) img[i] = 1.0f;      /* white page, one black dot */
    img[12] = 0.0f;
    CHECK_STATUS(nnet_image_invert_if_light(img, 5, 5, &inverted), NNET_OK);
    CHECK(inverted == 1);
    CHECK_NEAR(img[12], 1.0, 0);
    CHECK_NEAR(img[0], 0.0, 0);
    /* now dark background: left alone */
    CHECK_STATUS(nnet_image_invert_if_light(img, 5, 5, &inverted), NNET_OK);
    CHECK(inverted == 0);
    CHECK_NEAR(img[12], 1.0, 0);
    CHECK_NEAR(img[0], 0.0, 0);
    /* light border decided by the median, although ink touches the left edge
       and covers most of the image (the mean is 0.38, dark) */
    for (i = 0; i < 25; i++) img[i] = (i % 5 == 0 || i / 5 == 1 || i / 5 == 2) ? 0.0f : 0.8f;
    CHECK_STATUS(nnet_image_invert_if_light(img, 5, 5, NULL), NNET_OK);
    CHECK_NEAR(img[1], 0.2, 1e-6);
    CHECK_NEAR(img[5], 1.0, 0);
    CHECK_ERROR(nnet_image_invert_if_light(NULL, 5, 5, &inverted), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_image_invert_if_light(img, 0, 5, &inverted), NNET_ERR_ARGUMENT, "0x5");
}

static void test_stretch_contrast(void) {
    float img[9] = {0.2f, 0.2f, 0.2f, 0.2f, 0.7f, 0.45f, 0.2f, 0.1f, 0.2f};
    float flat[9] = {0.3f, 0.3f, 0.3f, 0.3f, 0.35f, 0.3f, 0.3f, 0.3f, 0.3f};
    CHECK_STATUS(nnet_image_stretch_contrast(img, 3, 3), NNET_OK);
    CHECK_NEAR(img[0], 0.0, 1e-6);   /* background 0.2 -> 0 */
    CHECK_NEAR(img[4], 1.0, 1e-6);   /* strongest ink -> 1 */
    CHECK_NEAR(img[5], 0.5, 1e-6);   /* halfway stays halfway */
    CHECK_NEAR(img[7], 0.0, 0);      /* below the background clamps at 0 */
    CHECK_ERROR(nnet_image_stretch_contrast(flat, 3, 3), NNET_ERR_FORMAT, "no ink");
    /* uneven paper: the border has 5 pixels at 25/255, 6 at 38/255 and 5 at
       51/255: median 38/255, MAD 13/255, so the background is
       (38 + 3 * 13) / 255 and all of the paper becomes 0 */
    {
        float img5[25], background = 77.0f / 255.0f;
        int i, k = 0;
        for (i = 0; i < 25; i++) {
            int border = i < 5 || i >= 20 || i % 5 == 0 || i % 5 == 4;
            img5[i] = border ? (k < 5 ? 25.0f : k < 11 ? 38.0f : 51.0f) / 255.0f : 0.0f;
            k += border;
        }
        img5[12] = 0.9f; img5[13] = 0.6f; img5[7] = 0.25f;
        CHECK_STATUS(nnet_image_stretch_contrast(img5, 5, 5), NNET_OK);
        CHECK_NEAR(img5[13], (0.6 - background) / (0.9 - background), 1e-6);
        CHECK_NEAR(img5[12], 1.0, 1e-6);
        CHECK_NEAR(img5[7], 0.0, 0);           /* just under the background */
        CHECK_NEAR(pixel_sum(img5, 25), 1.0 + img5[13], 1e-6);
    }
}

/* Polarity from the thin structures: a page half in shadow (most of its
   border below 0.5) with dark strokes crossing the shadow's edge is light
   paper; the same page inverted is left alone. */
static void test_invert_in_shadow(void) {
    static float page[60 * 80];
    int x, y, inverted = -1;
    for (y = 0; y < 60; y++)
        for (x = 0; x < 80; x++) {
            float paper = x < 25 ? 0.9f : 0.35f;
            int ink = (x >= 20 && x < 60 && (y == 20 || y == 21)) || (x == 40 && y >= 10 && y < 50);
            page[y * 80 + x] = ink ? 0.05f : paper;
        }
    CHECK_STATUS(nnet_image_invert_if_light(page, 80, 60, &inverted), NNET_OK);
    CHECK(inverted == 1);
    CHECK_NEAR(page[20 * 80 + 40], 0.95, 1e-6);
    CHECK_STATUS(nnet_image_invert_if_light(page, 80, 60, &inverted), NNET_OK);
    CHECK(inverted == 0);
}

/* The opening keeps what is wider than the window (a block, a ramp of light)
   and takes what is thinner (a stroke), divided by 1 - the background. */
static void test_remove_background(void) {
    static float img[40 * 50];
    int x, y;
    for (y = 0; y < 40; y++)
        for (x = 0; x < 50; x++) {
            float v = 0.1f + 0.004f * (float)x;                  /* a gentle ramp of light */
            if (x >= 10 && x < 13 && y >= 5 && y < 35) v = 0.9f;  /* a stroke 3 wide */
            if (x >= 30 && y >= 10 && y < 35) v = 0.6f;          /* a block 20 x 25 */
            img[y * 50 + x] = v;
        }
    CHECK_STATUS(nnet_image_remove_background(img, 50, 40, 9), NNET_OK);
    CHECK_NEAR(img[20 * 50 + 11], (0.9 - (0.1 + 0.004 * 11)) / (1 - (0.1 + 0.004 * 11)), 0.02);
    CHECK_NEAR(img[20 * 50 + 40], 0.0, 1e-6);   /* the block is background at this window */
    CHECK_NEAR(img[2 * 50 + 25], 0.0, 1e-6);    /* the ramp too */
    CHECK_STATUS(nnet_image_remove_background(img, 50, 40, 0), NNET_OK);   /* automatic: 12 */
    CHECK_ERROR(nnet_image_remove_background(img, 50, 40, -1), NNET_ERR_ARGUMENT, "window -1");
    CHECK_ERROR(nnet_image_remove_background(NULL, 50, 40, 0), NNET_ERR_ARGUMENT, "NULL");
}

/* The digit and what belongs to it stay; specks, far pieces and a line
   across the picture go. */
static void test_keep_digit(void) {
    static float img[50 * 60];
    int x, y;
    memset(img, 0, sizeof img);
    for (y = 10; y < 40; y++) for (x = 20; x < 24; x++) img[y * 60 + x] = 0.9f;   /* the stroke: mass 108 */
    for (x = 26; x < 34; x++) img[10 * 60 + x] = 0.8f;                              /* its bar, apart: kept */
    img[25 * 60 + 24] = 0.2f;                                                       /* its faint edge: kept */
    img[45 * 60 + 55] = 1.0f;                                                       /* a speck far away */
    img[38 * 60 + 30] = 0.5f;                                                       /* a speck near, < 1/100 of the mass */
    for (y = 0; y < 50; y++) img[y * 60 + 5] = 1.0f;                                /* a margin, top to bottom */
    img[12 * 60 + 8] = 0.2f;                                                        /* a faint pixel off the digit */
    CHECK_STATUS(nnet_image_keep_digit(img, 60, 50, 0.25f), NNET_OK);
    CHECK(img[20 * 60 + 21] == 0.9f && img[10 * 60 + 30] == 0.8f && img[25 * 60 + 24] == 0.2f);
    CHECK(img[45 * 60 + 55] == 0.0f && img[38 * 60 + 30] == 0.0f && img[20 * 60 + 5] == 0.0f && img[12 * 60 + 8] == 0.0f);
    CHECK_NEAR(pixel_sum(img, 60 * 50), 30 * 4 * 0.9 + 8 * 0.8 + 0.2, 1e-3);
    /* only a line across: it is all there is, so it stays */
    memset(img, 0, sizeof img);
    for (x = 0; x < 60; x++) img[30 * 60 + x] = 1.0f;
    CHECK_STATUS(nnet_image_keep_digit(img, 60, 50, 0.25f), NNET_OK);
    CHECK_NEAR(pixel_sum(img, 60 * 50), 60.0, 0);
    memset(img, 0, sizeof img);
    CHECK_ERROR(nnet_image_keep_digit(img, 60, 50, 0.25f), NNET_ERR_FORMAT, "no ink");
}

static void test_normalize_strokes(void) {
    float img[6] = {0.0f, 0.1f, 0.25f, 0.5f, 0.0f, 0.2f}, none[4] = {0};
    CHECK_STATUS(nnet_image_normalize_strokes(img, 3, 2), NNET_OK);
    CHECK(img[3] == 1.0f && img[2] == 0.5f && img[0] == 0.0f);
    CHECK_ERROR(nnet_image_normalize_strokes(none, 2, 2), NNET_ERR_FORMAT, "no ink");
}

static void test_bounding_box(void) {
    float img[6 * 5] = {0};
    nnet_image_box box;
    img[1 * 6 + 2] = 0.9f; img[3 * 6 + 4] = 0.3f; img[4 * 6 + 0] = 0.2f;
    CHECK_STATUS(nnet_image_bounding_box(img, 6, 5, 0.25f, &box), NNET_OK);
    CHECK(box.x == 2 && box.y == 1 && box.width == 3 && box.height == 3);
    CHECK_STATUS(nnet_image_bounding_box(img, 6, 5, 0.0f, &box), NNET_OK);
    CHECK(box.x == 0 && box.y == 1 && box.width == 5 && box.height == 4);
    CHECK_STATUS(nnet_image_bounding_box(img, 6, 5, 0.5f, &box), NNET_OK);
    CHECK(box.x == 2 && box.y == 1 && box.width == 1 && box.height == 1);
    CHECK_ERROR(nnet_image_bounding_box(img, 6, 5, 0.95f, &box), NNET_ERR_FORMAT, "no ink");
    CHECK_ERROR(nnet_image_bounding_box(img, 6, 5, 0.5f, NULL), NNET_ERR_ARGUMENT, "NULL");
}

static void test_fit_size(void) {
    int w = 0, h = 0;
    CHECK_STATUS(nnet_image_fit_size(40, 20, 20, &w, &h), NNET_OK); CHECK(w == 20 && h == 10);
    CHECK_STATUS(nnet_image_fit_size(1000, 3, 20, &w, &h), NNET_OK); CHECK(w == 20 && h == 1);
    CHECK_STATUS(nnet_image_fit_size(3, 1000, 20, &w, &h), NNET_OK); CHECK(w == 1 && h == 20);
    CHECK_STATUS(nnet_image_fit_size(1, 1, 20, &w, &h), NNET_OK); CHECK(w == 20 && h == 20);
    CHECK_STATUS(nnet_image_fit_size(30, 29, 20, &w, &h), NNET_OK); CHECK(w == 20 && h == 19); /* 19.33 */
    CHECK_STATUS(nnet_image_fit_size(21, 31, 20, &w, &h), NNET_OK); CHECK(w == 14 && h == 20); /* 13.55 */
    CHECK_STATUS(nnet_image_fit_size(8, 3, 20, &w, &h), NNET_OK); CHECK(w == 20 && h == 8);    /* 7.5 rounds up */
    CHECK_ERROR(nnet_image_fit_size(0, 3, 20, &w, &h), NNET_ERR_ARGUMENT, "0x3");
    CHECK_ERROR(nnet_image_fit_size(3, 3, 20, NULL, &h), NNET_ERR_ARGUMENT, "NULL");
}

static void test_resize_area(void) {
    float src[4 * 4], dst[4 * 4], big[37 * 23], small[20 * 13];
    nnet_rng rng;
    int i;
    for (i = 0; i < 16; i++) src[i] = (float)i;
    /* 4x4 -> 2x2: means of the 2x2 blocks */
    CHECK_STATUS(nnet_image_resize_area(dst, 2, 2, src, 4, 4, 4), NNET_OK);
    CHECK_NEAR(dst[0], (0 + 1 + 4 + 5) / 4.0, 1e-6);
    CHECK_NEAR(dst[3], (10 + 11 + 14 + 15) / 4.0, 1e-6);
    /* 3x3 -> 2x2: output (0,0) covers source [0,1.5)^2: weights 1, .5, .5, .25 */
    CHECK_STATUS(nnet_image_resize_area(dst, 2, 2, src, 3, 3, 4), NNET_OK); /* rows 0..2, cols 0..2 of src */
    CHECK_NEAR(dst[0], (0 * 1 + 1 * 0.5 + 4 * 0.5 + 5 * 0.25) / 2.25, 1e-6);
    /* a crop through the stride: the 2x2 at (1,1) -> 1x1 is its mean */
    CHECK_STATUS(nnet_image_resize_area(dst, 1, 1, src + 5, 2, 2, 4), NNET_OK);
    CHECK_NEAR(dst[0], (5 + 6 + 9 + 10) / 4.0, 1e-6);
    /* upscaling 2x2 -> 4x4 repeats each pixel as a 2x2 block */
    CHECK_STATUS(nnet_image_resize_area(dst, 4, 4, src, 2, 2, 4), NNET_OK);
    CHECK(dst[0] == 0 && dst[1] == 0 && dst[2] == 1 && dst[5] == 0 && dst[10] == 5 && dst[15] == 5);
    /* any size: the mean grey level (total ink per area) is kept */
    nnet_rng_seed(&rng, 7);
    for (i = 0; i < 37 * 23; i++) big[i] = nnet_rng_uniform(&rng);
    CHECK_STATUS(nnet_image_resize_area(small, 20, 13, big, 37, 23, 37), NNET_OK);
    CHECK_NEAR(pixel_sum(small, 20 * 13) / (20 * 13), pixel_sum(big, 37 * 23) / (37 * 23), 1e-5);
    CHECK_ERROR(nnet_image_resize_area(small, 20, 13, big, 37, 23, 36), NNET_ERR_ARGUMENT, "src_stride");
    CHECK_ERROR(nnet_image_resize_area(small, 20, 13, NULL, 37, 23, 37), NNET_ERR_ARGUMENT, "NULL");
}

static void test_center_of_mass(void) {
    float img[8 * 6] = {0}, cx = -1, cy = -1;
    img[5 * 8 + 3] = 0.5f;
    CHECK_STATUS(nnet_image_center_of_mass(img, 8, 6, &cx, &cy), NNET_OK);
    CHECK_NEAR(cx, 3, 1e-6); CHECK_NEAR(cy, 5, 1e-6);
    img[1 * 8 + 7] = 1.5f;   /* three times the mass at (7, 1): 3/4 of the way there */
    CHECK_STATUS(nnet_image_center_of_mass(img, 8, 6, &cx, &cy), NNET_OK);
    CHECK_NEAR(cx, 6, 1e-6); CHECK_NEAR(cy, 2, 1e-6);
    memset(img, 0, sizeof img);
    CHECK_ERROR(nnet_image_center_of_mass(img, 8, 6, &cx, &cy), NNET_ERR_FORMAT, "no ink");
    CHECK_ERROR(nnet_image_center_of_mass(img, 8, 6, NULL, &cy), NNET_ERR_ARGUMENT, "NULL");
}

static void test_paste_centered(void) {
    float src[20 * 13], dst[784], cx, cy;
    nnet_rng rng;
    int i;
    memset(src, 0, sizeof src);
    src[1 * 20 + 1] = 1.0f;                     /* one dot lands exactly on (14, 14) */
    CHECK_STATUS(nnet_image_paste_centered(dst, 28, 28, src, 20, 13), NNET_OK);
    CHECK(dst[14 * 28 + 14] == 1.0f);
    CHECK_NEAR(pixel_sum(dst, 784), 1.0, 0);
    /* a random blob: the centre of mass lands within half a pixel of (14, 14)
       and nothing is lost (it fits) */
    nnet_rng_seed(&rng, 3);
    for (i = 0; i < 20 * 13; i++) src[i] = (i % 20 < 12) ? nnet_rng_uniform(&rng) : 0.0f;
    CHECK_STATUS(nnet_image_paste_centered(dst, 28, 28, src, 20, 13), NNET_OK);
    CHECK_STATUS(nnet_image_center_of_mass(dst, 28, 28, &cx, &cy), NNET_OK);
    CHECK(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5);
    CHECK_NEAR(pixel_sum(dst, 784), pixel_sum(src, 20 * 13), 1e-3);
    /* a dot at the far corner of the source pulls the image off the edge:
       what falls outside is dropped, never written out of bounds */
    memset(src, 0, sizeof src);
    src[0] = 1.0f; src[12 * 20 + 19] = 0.001f;
    CHECK_STATUS(nnet_image_paste_centered(dst, 28, 28, src, 20, 13), NNET_OK);
    CHECK(dst[14 * 28 + 14] == 1.0f);
    CHECK_NEAR(pixel_sum(dst, 784), 1.0, 0);
}

/* ---- the whole pipeline from 8-bit grey ---- */

static void test_to_mnist_synthetic(void) {
    static unsigned char page[80 * 100];
    float px[784], cx, cy, top = 0;
    nnet_image_box box;
    int i, x, y;
    memset(page, 230, sizeof page);             /* light grey paper, a dark 10x40 bar */
    for (y = 30; y < 70; y++) for (x = 50; x < 60; x++) page[y * 100 + x] = 20;
    CHECK_STATUS(nnet_image_to_mnist(page, 100, 80, px), NNET_OK);
    for (i = 0; i < 784; i++) if (px[i] > top) top = px[i];
    CHECK_NEAR(top, 1.0, 1e-6);                 /* inverted and stretched: ink is 1 */
    CHECK_STATUS(nnet_image_bounding_box(px, 28, 28, 0.0f, &box), NNET_OK);
    CHECK(box.width == 5 && box.height == 20);  /* longer side 20, ratio 1:4 kept */
    CHECK_NEAR(pixel_sum(px, 784), 100.0, 1e-3);
    CHECK_STATUS(nnet_image_center_of_mass(px, 28, 28, &cx, &cy), NNET_OK);
    CHECK(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5);
}

static void test_to_mnist_wide_and_tiny(void) {
    static unsigned char wide[3 * 1000];
    unsigned char one = 0, tiny[9];
    float px[784], cx, cy;
    nnet_image_box box;
    int x;
    memset(wide, 255, sizeof wide);             /* 1000x3: a black line on white */
    for (x = 100; x < 900; x++) wide[1000 + x] = 0;
    CHECK_STATUS(nnet_image_to_mnist(wide, 1000, 3, px), NNET_OK);
    CHECK_STATUS(nnet_image_bounding_box(px, 28, 28, 0.0f, &box), NNET_OK);
    CHECK(box.width == 20 && box.height == 1);  /* the short side is kept at >= 1 */
    CHECK_NEAR(pixel_sum(px, 784), 20.0, 1e-4);
    CHECK_STATUS(nnet_image_center_of_mass(px, 28, 28, &cx, &cy), NNET_OK);
    CHECK(fabs(cx - 14) <= 0.5 && fabs(cy - 14) <= 0.5);
    /* 1x1: one pixel is all border, so it is background and there is no ink */
    CHECK_ERROR(nnet_image_to_mnist(&one, 1, 1, px), NNET_ERR_FORMAT, "no ink");
    /* 3x3 with a centre dot: a dot scaled to 20x20; its centre 9.5 moves by
       14 - 9.5 = 4.5, rounded up to 5 */
    memset(tiny, 0, sizeof tiny); tiny[4] = 200;
    CHECK_STATUS(nnet_image_to_mnist(tiny, 3, 3, px), NNET_OK);
    CHECK_STATUS(nnet_image_bounding_box(px, 28, 28, 0.0f, &box), NNET_OK);
    CHECK(box.width == 20 && box.height == 20 && box.x == 5 && box.y == 5);
}

static void test_to_mnist_errors(void) {
    static unsigned char page[50 * 50];
    float px[784];
    memset(page, 255, sizeof page);
    CHECK_ERROR(nnet_image_to_mnist(page, 50, 50, px), NNET_ERR_FORMAT, "no ink");   /* blank white */
    memset(page, 0, sizeof page);
    CHECK_ERROR(nnet_image_to_mnist(page, 50, 50, px), NNET_ERR_FORMAT, "no ink");   /* blank black */
    memset(page, 128, sizeof page); page[25 * 50 + 25] = 140;                        /* too faint */
    CHECK_ERROR(nnet_image_to_mnist(page, 50, 50, px), NNET_ERR_FORMAT, "no ink");
    CHECK_ERROR(nnet_image_to_mnist(NULL, 50, 50, px), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_image_to_mnist(page, 50, 50, NULL), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_image_to_mnist(page, 9000, 1, px), NNET_ERR_ARGUMENT, "9000x1");
    CHECK_ERROR(nnet_image_to_mnist(page, 8192, 8193, px), NNET_ERR_ARGUMENT, "8192x8193");
    CHECK_ERROR(nnet_image_to_mnist(page, -1, 5, px), NNET_ERR_ARGUMENT, "-1x5");
}

/* ---- decoding with stb_image ---- */

/* MNIST digits written to PNG come back close to themselves: they already
   are 20x20-in-28x28 and centred, so the pipeline nearly reproduces them. */
static void test_round_trip_png(void) {
    char path[128];
    float px[784], px2[784];
    double worst = 1.0, sum = 0.0;
    unsigned char *bytes;
    size_t size;
    int i, n = 100;
    CHECK(t10k != NULL);
    if (!t10k) return;
    for (i = 0; i < n; i++) {
        double r;
        snprintf(path, sizeof path, "%s/digit%d.png", tmpdir, i);
        CHECK(stbi_write_png(path, 28, 28, 1, t10k + (size_t)i * 784, 28) != 0);
        CHECK_STATUS(nnet_image_load_mnist(path, px), NNET_OK);
        r = correlation(px, t10k + (size_t)i * 784);
        if (r < worst) worst = r;
        sum += r;
    }
    printf("  round trip of %d t10k digits through PNG: correlation mean %.4f, worst %.4f\n", n, sum / n, worst);
    CHECK(worst > 0.9);
    CHECK(sum / n > 0.97);
    /* the memory loader gives exactly what the file loader gives */
    bytes = test_read_file(path, &size);
    CHECK(bytes != NULL);
    if (!bytes) return;
    CHECK_STATUS(nnet_image_load_mnist_from_memory(bytes, size, px2), NNET_OK);
    CHECK(memcmp(px, px2, sizeof px) == 0);
    free(bytes);
}

/* Grey + alpha: transparent means white paper, whatever its grey value. */
static void test_alpha_over_white(void) {
    unsigned char ga[40 * 40 * 2];
    char path[128];
    float px[784];
    nnet_image_box box;
    int x, y;
    for (y = 0; y < 40; y++)
        for (x = 0; x < 40; x++) {
            int ink = x >= 15 && x < 25 && y >= 5 && y < 35;
            ga[(y * 40 + x) * 2] = 0;                 /* black everywhere ... */
            ga[(y * 40 + x) * 2 + 1] = ink ? 255 : 0; /* ... but only the bar is opaque */
        }
    snprintf(path, sizeof path, "%s/alpha.png", tmpdir);
    CHECK(stbi_write_png(path, 40, 40, 2, ga, 80) != 0);
    CHECK_STATUS(nnet_image_load_mnist(path, px), NNET_OK);
    CHECK_STATUS(nnet_image_bounding_box(px, 28, 28, 0.0f, &box), NNET_OK);
    CHECK(box.width == 7 && box.height == 20);  /* 10x30 bar: 6.67 -> 7 */
}

/* The sample pictures: each file in data/digits/ must be listed here with
   its source digit, load, and resemble that digit after preprocessing. */
static void test_sample_digits(void) {
    static const struct { const char *file; int index; } digits[] = {
        {"7_inverted.png", 0}, {"2_offcentre.png", 1}, {"1_large.png", 9}, {"0_colour.png", 18},
        {"4_photo.jpg", 41}, {"9_noisy.png", 13}, {"3_transparent.png", 3}, {"5_scan.pgm", 5},
    };
    int n = (int)(sizeof digits / sizeof digits[0]), i, found = 0;
    char path[300];
    float px[784];
    struct dirent *e;
    DIR *dir = opendir("data/digits");
    CHECK(dir != NULL && t10k != NULL && t10k_labels != NULL);
    if (!dir || !t10k || !t10k_labels) { if (dir) closedir(dir); return; }
    while ((e = readdir(dir)) != NULL) {
        const char *dot = strrchr(e->d_name, '.');
        int known = -1;
        if (e->d_name[0] == '.' || !dot || !strcmp(dot, ".md") || !strcmp(dot, ".py")) continue;
        for (i = 0; i < n; i++) if (!strcmp(e->d_name, digits[i].file)) known = i;
        if (known < 0) { printf("  data/digits/%s is not in this test's table\n", e->d_name); CHECK(known >= 0); continue; }
        found++;
        snprintf(path, sizeof path, "data/digits/%s", e->d_name);
        CHECK_STATUS(nnet_image_load_mnist(path, px), NNET_OK);
        {
            /* close to its source digit, and recognisable: its nearest
               neighbour (by correlation) among the 2000 t10k digits has the
               label the file name starts with */
            double r = correlation(px, t10k + (size_t)digits[known].index * 784), best = -2;
            int j, nearest = -1;
            for (j = 0; j < N_DIGITS; j++) {
                double c = correlation(px, t10k + (size_t)j * 784);
                if (c > best) { best = c; nearest = j; }
            }
            printf("  %-18s correlation with its source t10k[%d]: %.3f; nearest t10k[%d] (%.3f) is a %d\n",
                   e->d_name, digits[known].index, r, nearest, best, t10k_labels[nearest]);
            CHECK(r > 0.7);
            CHECK(t10k_labels[nearest] == e->d_name[0] - '0');
            CHECK(t10k_labels[digits[known].index] == e->d_name[0] - '0');
        }
    }
    closedir(dir);
    CHECK(found == n);
}

static void shift_one(nnet_mat X, nnet_rng *rng, void *user) { (void)user; nnet_augment_shift(X, 28, 28, 1, rng); }

/* data/digits/hard/: photos of digits as people take them (make_hard.py):
   vignetting, shadows, a sheet on a dark desk, ruled paper with a red
   margin, pencil. A network trained here with the web page's settings
   (examples/mnist in make web) must read at least 90% of them. */
static void test_hard_captures(void) {
    nnet_dataset *train = NULL;
    nnet_desc d;
    nnet_train_desc t;
    nnet *net = NULL;
    struct dirent *e;
    DIR *dir = opendir("data/digits/hard");
    int total = 0, right = 0;
    memset(&d, 0, sizeof d);
    d.n_inputs = 784; d.n_layers = 2; d.sizes[0] = 128; d.sizes[1] = 10; d.seed = 1;
    memset(&t, 0, sizeof t);
    t.epochs = 10; t.batch_size = 32; t.learning_rate = 0.003f; t.optimizer = NNET_ADAM;
    t.schedule = NNET_SCHEDULE_COSINE; t.seed = 1; t.augment = shift_one;
    CHECK(dir != NULL);
    CHECK_STATUS(nnet_dataset_load_mnist("data/mnist-sample", &train, NULL), NNET_OK);
    CHECK((net = nnet_create(&d)) != NULL);
    if (!dir || !train || !net) goto done;
    CHECK_STATUS(nnet_train(net, train, NULL, &t, NULL, NULL), NNET_OK);
    while ((e = readdir(dir)) != NULL) {
        char path[300];
        float px[784];
        int predicted = -1;
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".jpg") != 0) continue;
        snprintf(path, sizeof path, "data/digits/hard/%s", e->d_name);
        total++;
        if (nnet_image_load_mnist(path, px) == NNET_OK &&
            nnet_predict_classes(net, nnet_mat_view(1, 784, px), &predicted) == NNET_OK && predicted == e->d_name[0] - '0')
            right++;
        else
            printf("  %s read as %d\n", e->d_name, predicted);
    }
    printf("  hard captures: %d of %d read right\n", right, total);
    CHECK(total >= 30);
    CHECK(10 * right >= 9 * total);
done:
    if (dir) closedir(dir);
    nnet_free(net);
    nnet_dataset_free(train);
}

static void test_load_errors(void) {
    float px[784];
    unsigned char text[] = "hello, this is not an image";
    char path[128];
    FILE *f;
    CHECK_ERROR(nnet_image_load_mnist("no/such/file.png", px), NNET_ERR_IO, "no/such/file.png");
    CHECK(strstr(nnet_error(), "No such file") != NULL);
    CHECK_ERROR(nnet_image_load_mnist(tmpdir, px), NNET_ERR_IO, tmpdir);
    CHECK(strstr(nnet_error(), "is a directory") != NULL);
    CHECK_ERROR(nnet_image_load_mnist(NULL, px), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_image_load_mnist("data/digits/1_large.png", NULL), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_image_load_mnist_from_memory(NULL, 10, px), NNET_ERR_ARGUMENT, "NULL");
    CHECK_ERROR(nnet_image_load_mnist_from_memory(text, sizeof text, NULL), NNET_ERR_ARGUMENT, "NULL");
    /* stb's own reason is passed on */
    CHECK_ERROR(nnet_image_load_mnist_from_memory(text, sizeof text, px), NNET_ERR_FORMAT, "stb_image says");
    CHECK(strstr(nnet_error(), stbi_failure_reason()) != NULL);
    CHECK_ERROR(nnet_image_load_mnist_from_memory(text, 0, px), NNET_ERR_FORMAT, "stb_image says");
    /* a file that is an image of a blank page names the file and the cause */
    snprintf(path, sizeof path, "%s/blank.png", tmpdir);
    {
        unsigned char white[16 * 16];
        memset(white, 255, sizeof white);
        CHECK(stbi_write_png(path, 16, 16, 1, white, 16) != 0);
    }
    CHECK_ERROR(nnet_image_load_mnist(path, px), NNET_ERR_FORMAT, "no ink");
    CHECK(strstr(nnet_error(), path) != NULL);
    /* (an unreadable file cannot be tested as root; a FIFO is refused
       before it is read: tests/test_files.c) an empty file */
    snprintf(path, sizeof path, "%s/empty.png", tmpdir);
    f = fopen(path, "wb"); if (f) fclose(f);
    CHECK_ERROR(nnet_image_load_mnist(path, px), NNET_ERR_FORMAT, "empty");
}

/* tests/data/image/: malformed files (see make_bad_images.py there). */
static void test_malformed_files(void) {
    float px[784];
    CHECK_STATUS(nnet_image_load_mnist("tests/data/image/good.png", px), NNET_OK);
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/truncated.png", px), NNET_ERR_FORMAT, "truncated");
    CHECK(strstr(nnet_error(), "PNG chunk IDAT") != NULL);
    /* an IDAT declaring 2 GiB in a 114-byte file is refused before stb allocates for it */
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/png_chunk_2gib.png", px), NNET_ERR_FORMAT, "truncated");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/corrupt_idat.png", px), NNET_ERR_FORMAT, "stb_image says");
    /* stb_image does not check CRCs; nnet does, before stb sees the file */
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/bad_crc.png", px), NNET_ERR_FORMAT, "chunk IHDR at byte 8 has the CRC-32 12345678");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/bad_idat_crc.png", px), NNET_ERR_FORMAT, "chunk IDAT");
    CHECK(strstr(nnet_error(), "CRC-32") != NULL);
    /* within the side and pixel caps, but 512 MiB decoded: refused by the cap on bytes */
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/rgba16_8192.png", px), NNET_ERR_FORMAT, "NNET_IMAGE_MAX_BYTES");
    CHECK(strstr(nnet_error(), "8192x8192 with 4 channels of 16 bits: 536870912 bytes") != NULL);
    /* 100000x100000: refused by stb's own header check or by ours, before decoding */
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/huge_dims.png", px), NNET_ERR_FORMAT, "huge_dims.png");
    CHECK(strstr(nnet_error(), "100000x100000") != NULL && strstr(nnet_error(), "NNET_IMAGE_MAX_SIDE") != NULL);
    /* headers stb accepts but nnet caps, before anything is decoded */
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/wide_dims.png", px), NNET_ERR_FORMAT, "9000x8");
    CHECK(strstr(nnet_error(), "NNET_IMAGE_MAX_SIDE") != NULL);
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/huge_dims.bmp", px), NNET_ERR_FORMAT, "100000x100000");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/huge_dims.gif", px), NNET_ERR_FORMAT, "60000x60000");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/not_an_image.txt", px), NNET_ERR_FORMAT, "stb_image says");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/empty.png", px), NNET_ERR_FORMAT, "empty");
    /* JPEGs that stb_image 2.27 mishandles are refused before it sees them */
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/jpeg_undefined_huffman.jpg", px), NNET_ERR_FORMAT,
                "Huffman table AC 0, which no DHT segment defined");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/jpeg_dht_overflow.jpg", px), NNET_ERR_FORMAT,
                "declares 300 codes");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/jpeg_dht_overflow_fill.jpg", px), NNET_ERR_FORMAT,
                "declares 300 codes");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/pnm_huge_number.pgm", px), NNET_ERR_FORMAT,
                "image is 4294967295x10");
    CHECK_ERROR(nnet_image_load_mnist("tests/data/image/pnm_truncated.pgm", px), NNET_ERR_FORMAT,
                "needs 100 bytes of pixels, the file has 30");
    /* a 16-bit PPM loads (through 3 channels): a 2x8 bar becomes 5x20 */
    {
        nnet_image_box box;
        CHECK_STATUS(nnet_image_load_mnist("tests/data/image/ppm16_bar.ppm", px), NNET_OK);
        CHECK_STATUS(nnet_image_bounding_box(px, 28, 28, 0.0f, &box), NNET_OK);
        CHECK(box.width == 5 && box.height == 20);
    }
}

static void remove_tmpdir(void) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) printf("  could not remove %s\n", tmpdir);
}

int main(void) {
    strcpy(tmpdir, "/tmp/nnet_test_image_XXXXXX");
    if (!mkdtemp(tmpdir)) { printf("test_image: cannot make a temporary directory\n"); return 1; }
    t10k = read_gz("data/mnist-sample/t10k-images-idx3-ubyte.gz", 16, N_DIGITS * 784);
    t10k_labels = read_gz("data/mnist-sample/t10k-labels-idx1-ubyte.gz", 8, N_DIGITS);
    RUN(test_invert_if_light);
    RUN(test_invert_in_shadow);
    RUN(test_remove_background);
    RUN(test_stretch_contrast);
    RUN(test_keep_digit);
    RUN(test_normalize_strokes);
    RUN(test_bounding_box);
    RUN(test_fit_size);
    RUN(test_resize_area);
    RUN(test_center_of_mass);
    RUN(test_paste_centered);
    RUN(test_to_mnist_synthetic);
    RUN(test_to_mnist_wide_and_tiny);
    RUN(test_to_mnist_errors);
    RUN(test_round_trip_png);
    RUN(test_alpha_over_white);
    RUN(test_sample_digits);
    RUN(test_hard_captures);
    RUN(test_load_errors);
    RUN(test_malformed_files);
    free(t10k);
    free(t10k_labels);
    remove_tmpdir();
    return test_summary("test_image");
}
