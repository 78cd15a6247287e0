/* flags.h - the command-line flags of examples/mnist.c, pair.c,
   regression.c, experiments.c and quantize.c: a table of "--name value"
   flags (or "--name=value"), each with what it allows, and "--name"
   switches, which take no value. A bad flag gets one line on stderr
   naming the flag, the value and what is allowed; -h or --help prints every flag with its default on stdout.
   Include it after nnet.h (parse_layers and the save helpers use it); the
   helpers not every example needs are static inline, so unused is fine. */
#ifndef EXAMPLES_FLAGS_H
#define EXAMPLES_FLAGS_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>   /* mkstemp, close */

// kind: 's' text, 'i' integer, 'f' number, 'b' switch. allowed: for numbers
// a range, "[1,inf)" or "(0,1)"; for text the names it may be, "sgd|adam";
// NULL: anything.
typedef struct flag { const char *name; char kind; void *value; const char *help; const char *allowed; } flag;

// The value of a flag as text (written into text when it is a number).
static const char *flag_text(const flag *f, char text[32]) {
    if (f->kind == 's') return *(const char **)f->value ? *(const char **)f->value : "none";
    if (f->kind == 'f') sprintf(text, "%g", (double)*(float *)f->value); else sprintf(text, "%d", *(int *)f->value);
    return text;
}

// Whether v is in the range "[lo,hi]", "(lo,hi)" or a mix (inf for no bound).
static int flag_in_range(double v, const char *range) {
    char *end;
    double lo = strtod(range + 1, &end), hi = strtod(end + 1, &end);
    return (range[0] == '(' ? v > lo : v >= lo) && (*end == ')' ? v < hi : v <= hi);
}

// Whether name is one of "a|b|c".
static int flag_is_one_of(const char *name, const char *names) {
    size_t n = strlen(name);
    const char *p;
    for (p = names; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
        if (!strncmp(p, name, n) && (p[n] == '|' || p[n] == '\0')) return 1;
    return 0;
}

// Store one flag's value; 0, or 2 after one line on stderr saying what is wrong.
static int flag_set(const char *program, const flag *f, const char *value) {
    const char *what = f->kind == 'i' ? "an integer" : "a number";
    char *end = NULL;
    double v = 0.0;
    if (f->kind == 's') {
        if (f->allowed && !flag_is_one_of(value, f->allowed))
            return fprintf(stderr, "%s: --%s: '%s' is not one of %s\n", program, f->name, value, f->allowed), 2;
        *(const char **)f->value = value;
        return 0;
    }
    errno = 0;
    if (f->kind == 'i') v = (double)strtol(value, &end, 10); else v = (double)strtof(value, &end);
    if (end == value || *end || errno || (f->kind == 'i' && (v < -2147483647.0 || v > 2147483647.0)))
        return fprintf(stderr, "%s: --%s expects %s%s%s, found '%s'\n", program, f->name, what, f->allowed ? " in " : "",
                       f->allowed ? f->allowed : "", value), 2;
    if (f->allowed && !flag_in_range(v, f->allowed))
        return fprintf(stderr, "%s: --%s: %s is out of range, expected %s in %s\n", program, f->name, value, what, f->allowed), 2;
    if (f->kind == 'i') *(int *)f->value = (int)v; else *(float *)f->value = (float)v;
    return 0;
}

static void flag_usage(const char *program, const char *about, const flag *flags, int n) {
    char text[32], left[48];
    int k;
    printf("usage: %s [flags]   %s\n", program, about);
    printf("flags (default in brackets; a switch takes no value):\n");
    for (k = 0; k < n; k++) {
        const flag *f = &flags[k];
        snprintf(left, sizeof left, "--%s%s", f->name, f->kind == 'b' ? "" : f->kind == 'i' ? " N" : f->kind == 'f' ? " X" :
                 f->allowed ? " NAME" : " TEXT");
        printf("  %-20s %s", left, f->help);
        if (f->allowed) printf(f->kind == 's' ? ": %s" : ", in %s", f->allowed);
        if (f->kind == 'b') printf("  (switch)\n"); else printf("  [%s]\n", flag_text(f, text));
    }
    printf("  %-20s %s\n", "-h, --help", "print this and exit");
}

// Parse "--name value", "--name=value" and "--name" (switches) into the
// table. 0: go on; 2: a bad flag (one line on stderr); -1: usage printed.
static int parse_flags(const char *program, const char *about, int argc, char **argv, const flag *flags, int n) {
    const flag *f = NULL;   // the flag just read
    int i, k, status;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return flag_usage(program, about, flags, n), -1;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = strchr(arg, '=');
        size_t length = value ? (size_t)(value - arg) : strlen(arg);
        if (strncmp(arg, "--", 2) != 0)
            return fprintf(stderr, f && f->kind == 'b' ? "%s: unexpected '%s' after the switch --%s, which takes no value\n" :
                           "%s: unexpected argument '%s': flags start with -- (see --help)\n", program, arg, f ? f->name : ""), 2;
        for (f = NULL, k = 0; k < n; k++)
            if (strlen(flags[k].name) == length - 2 && !strncmp(arg + 2, flags[k].name, length - 2)) f = &flags[k];
        if (!f) return fprintf(stderr, "%s: unknown flag '%.*s' (see --help)\n", program, (int)length, arg), 2;
        if (f->kind == 'b') {
            if (value) return fprintf(stderr, "%s: --%s is a switch and takes no value, found '%s'\n", program, f->name, arg), 2;
            *(int *)f->value = 1;
            continue;
        }
        if (!value && i + 1 == argc)
            return fprintf(stderr, "%s: --%s needs a value%s%s (see --help)\n", program, f->name,
                           f->allowed ? f->kind == 's' ? ": one of " : " in " : "", f->allowed ? f->allowed : ""), 2;
        if ((status = flag_set(program, f, value ? value + 1 : argv[++i])) != 0) return status;
    }
    return 0;
}

// "784,256,10" into d: the inputs, then each layer's outputs. 0, or 2 after
// one line on stderr naming the size that is wrong.
static inline int parse_layers(const char *program, const char *text, nnet_desc *d) {
    const char *p = text;
    int count = 0;
    while (1) {
        char *end;
        long v;
        errno = 0;
        v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ','))
            return fprintf(stderr, "%s: --layers: size %d of '%s' is not a whole number; expected sizes like 784,256,10\n",
                           program, count + 1, text), 2;
        if (v < 1 || v > NNET_MAX_DIM || errno)
            return fprintf(stderr, "%s: --layers: size %d of '%s' is %.*s, expected 1..%d\n", program, count + 1, text,
                           (int)(end - p), p, NNET_MAX_DIM), 2;
        if (count > NNET_MAX_LAYERS)
            return fprintf(stderr, "%s: --layers: '%s' has more than %d sizes, expected 2 to %d (inputs, then up to %d layers)\n",
                           program, text, NNET_MAX_LAYERS + 1, NNET_MAX_LAYERS + 1, NNET_MAX_LAYERS), 2;
        if (count++ == 0) d->n_inputs = (int)v; else d->sizes[d->n_layers++] = (int)v;
        if (!*end) break;
        p = end + 1;
    }
    if (count < 2)
        return fprintf(stderr, "%s: --layers: '%s' has 1 size, expected 2 to %d (inputs, then each layer's outputs)\n",
                       program, text, NNET_MAX_LAYERS + 1), 2;
    return 0;
}

// The note after a failed load of the examples' default data directory.
static inline const char *data_hint(const char *dir) {
    return strcmp(dir, "data/mnist-sample") ? "" : " (the default --data, relative to the repository root; give --data DIR)";
}

// Before training: can a model be saved at path (see nnet_save_check)? 0,
// or 2 after one line on stderr.
static inline int check_writable(const char *program, const char *flag_name, const char *path) {
    if (!path || nnet_save_check(path) == NNET_OK) return 0;
    return fprintf(stderr, "%s: --%s %s: %s\n", program, flag_name, path, nnet_error()), 2;
}

// After training: save the model to path; should that fail after all (a
// full disk), save it to a new file in $TMPDIR or /tmp so the training is
// not lost, and say where. 0 if saved at path, else 2.
static inline int save_model(const char *program, const nnet *net, const char *path) {
    char temp[512];
    const char *directory = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    int fd;
    if (nnet_save(net, path) == NNET_OK) return printf("saved the model to %s\n", path), 0;
    fprintf(stderr, "%s: %s", program, nnet_error());
    snprintf(temp, sizeof temp, "%s/%s-model-XXXXXX", directory, program);
    if ((fd = mkstemp(temp)) >= 0 && close(fd) == 0 && nnet_save(net, temp) == NNET_OK)
        return fprintf(stderr, "; the model was saved to %s instead\n", temp), 2;
    fprintf(stderr, "; saving it to %s failed too: %s\n", temp, fd < 0 ? strerror(errno) : nnet_error());
    if (fd >= 0) unlink(temp);
    return 2;
}

#endif
