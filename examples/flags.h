/* flags.h - the command-line flag table shared by examples/mnist.c and
   examples/pair.c: "--name value" and "--name" for switches, with --help
   printing every flag and its default. Include it after the C headers. */
#ifndef EXAMPLES_FLAGS_H
#define EXAMPLES_FLAGS_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct flag { const char *name; char kind; void *value; const char *help; } flag;  // kind: s i f b

// The value of a flag as text (written into text when it is a number).
static const char *flag_text(const flag *f, char text[32]) {
    if (f->kind == 's') return *(const char **)f->value ? *(const char **)f->value : "none";
    if (f->kind == 'f') sprintf(text, "%g", (double)*(float *)f->value); else sprintf(text, "%d", *(int *)f->value);
    return text;
}

// Parse "--name value" and "--name" (kind b) into the table. 0: go on, 2: bad flag, -1: --help printed.
static int parse_flags(const char *program, int argc, char **argv, const flag *flags, int n) {
    int i, k; char text[32];
    for (i = 1; i < argc && strcmp(argv[i], "--help"); i++) {
        const flag *f = NULL; char *end = NULL; errno = 0;
        for (k = 0; k < n; k++) if (!strncmp(argv[i], "--", 2) && !strcmp(argv[i] + 2, flags[k].name)) f = &flags[k];
        if (!f) return fprintf(stderr, "%s: unknown flag '%s' (see --help)\n", program, argv[i]), 2;
        if (f->kind == 'b') { *(int *)f->value = 1; continue; }
        if (++i == argc) return fprintf(stderr, "%s: %s needs a value (see --help)\n", program, argv[i - 1]), 2;
        if (f->kind == 's') *(const char **)f->value = argv[i];
        else if (f->kind == 'i') { long v = strtol(argv[i], &end, 10); *(int *)f->value = (int)v; if (v != (int)v) errno = ERANGE; }
        else *(float *)f->value = strtof(argv[i], &end);
        if (f->kind != 's' && (end == argv[i] || *end || errno))
            return fprintf(stderr, "%s: %s expects %s, found '%s'\n", program, argv[i - 1], f->kind == 'i' ? "an integer" : "a number", argv[i]), 2;
    }
    if (i == argc) return 0;
    printf("usage: %s [flags]   (defaults in brackets)\n", argv[0]);
    for (k = 0; k < n; k++) printf("  --%-12s %-46s [%s]\n", flags[k].name, flags[k].help, flag_text(&flags[k], text));
    return -1;
}

#endif
