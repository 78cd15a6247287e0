/* fuzz/fuzz_main.c - replay fuzz inputs without libFuzzer.

   Every fuzz/fuzz_<name>.c defines the libFuzzer entry point
   LLVMFuzzerTestOneInput. Linked with this file instead of
   -fsanitize=fuzzer, it becomes a plain program that runs the target once
   on each file named on the command line, so a crash found by the fuzzer
   reproduces under any compiler and debugger:

      cc -g -O1 -fsanitize=address,undefined -I. fuzz/fuzz_idx.c fuzz/fuzz_main.c \
         -o fuzz/replay_idx -lstb -lm
      ./fuzz/replay_idx crash-0123abcd fuzz/corpus/idx/*

   It prints one line per file and exits nonzero if a file cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read a whole file into a fresh buffer (at least 1 byte, so an empty file
   still gives a valid pointer); NULL on failure. */
static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long length;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = (uint8_t *)malloc((size_t)length + 1);
        if (data && fread(data, 1, (size_t)length, f) != (size_t)length) { free(data); data = NULL; }
        *size = (size_t)length;
    }
    fclose(f);
    return data;
}

int main(int argc, char **argv) {
    int i, failed = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...   (runs the fuzz target once on each file)\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        size_t size = 0;
        uint8_t *data = read_file(argv[i], &size);
        if (!data) { fprintf(stderr, "%s: cannot read\n", argv[i]); failed = 1; continue; }
        LLVMFuzzerTestOneInput(data, size);
        printf("%s: %zu bytes, ok\n", argv[i], size);
        fflush(stdout);
        free(data);
    }
    return failed;
}
