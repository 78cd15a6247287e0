# nnet.h - build the examples, run the tests, the demo and the benchmarks.
# `make demo` and `make test` do all set-up on a fresh Debian machine.

CC      ?= cc
# -O3: gcc vectorises Part I's plain loops (bias, activations, losses) only
# from -O3 on (clang from -O2); the products are Part III's either way.
OPT     ?= -O3 -march=native
WARN     = -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Werror
CFLAGS  ?= $(OPT)
# Threads for nnet_train_desc.threads; `make OPENMP=` builds serial code
# (the pragmas are skipped and every thread count runs on one thread).
OPENMP  ?= -fopenmp
ALL_CFLAGS = $(WARN) $(CFLAGS) $(OPENMP) -I.
LDLIBS   = -lstb -lm
SANITIZE = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
DATA    ?= data/mnist-sample
PREFIX  ?= /usr/local
PKGCONFIGDIR ?= $(PREFIX)/share/pkgconfig
VERSION  = $(shell sed -n 's/^\#define NNET_VERSION_STRING "\(.*\)"/\1/p' nnet.h)

TESTS    = $(patsubst %.c,%,$(wildcard tests/test_*.c))
EXAMPLES = $(patsubst %.c,%,$(wildcard examples/*.c))
STB      = /usr/include/stb/stb_image.h

.PHONY: all test sanitize demo bench bench-deps bench-sklearn test-deps examples fuzz clean deps install uninstall

all: examples $(TESTS) $(COMPILE_TESTS)

# stb_image (Debian's libstb-dev) decodes images and inflates .gz files.
deps: $(STB)
$(STB):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing libstb-dev (stb_image) with apt-get"; \
	    (apt-get install -y -q libstb-dev || (apt-get update -q && apt-get install -y -q libstb-dev)) >/dev/null; \
	else \
	    echo "error: $(STB) is missing: install Debian's libstb-dev (sudo apt-get install libstb-dev)"; exit 1; \
	fi

# $(call apt,PACKAGES,WHO): install the Debian packages missing, with
# apt-get when run as root, or say exactly which are missing.
apt = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
    if [ -z "$$missing" ]; then :; \
    elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
        echo "installing $$missing with apt-get ($(2))"; \
        (apt-get install -y -q $$missing || (apt-get update -q && apt-get install -y -q $$missing)) >/dev/null; \
    else echo "error: $(2) needs Debian's $$(echo $$missing) (sudo apt-get install $$(echo $$missing))"; exit 1; fi

# make test also builds with clang's ThreadSanitizer and with gcc -m32 (run
# under qemu-i386: some kernels, this VM's among them, run no 32-bit programs).
TEST_PACKAGES = clang libclang-rt-14-dev gcc-multilib qemu-user
test-deps: ; @$(call apt,$(TEST_PACKAGES),make test)

examples: $(EXAMPLES)
examples/%: examples/%.c nnet.h examples/plot.h examples/flags.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)

tests/test_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
tests/asan_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(WARN) $(SANITIZE) $(OPENMP) -I. $< -o $@ $(LDLIBS)

# Compile tests (see tests/test_compile.c): two C units; a C++ unit with the
# implementation linked to a C unit; NNET_STATIC; and the fast-path tests
# built without OpenMP (what `make OPENMP=` builds).
COMPILE_SRC = tests/test_compile.c tests/compile_second.c
COMPILE_TESTS = tests/test_compile_cpp tests/test_compile_static tests/test_gemm_fast_serial
tests/test_compile: $(COMPILE_SRC) nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) $(COMPILE_SRC) -o $@ $(LDLIBS)
tests/asan_compile: $(COMPILE_SRC) nnet.h tests/test.h | deps
	$(CC) $(WARN) $(SANITIZE) $(OPENMP) -I. $(COMPILE_SRC) -o $@ $(LDLIBS)
tests/test_compile_cpp: $(COMPILE_SRC) nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) -c tests/compile_second.c -o $@-second.o
	$(CXX) -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Wshadow -Werror $(CFLAGS) $(OPENMP) -I. -c tests/test_compile.c -o $@-first.o
	$(CXX) $(OPENMP) $@-first.o $@-second.o -o $@ $(LDLIBS) && rm -f $@-first.o $@-second.o
tests/test_compile_static: tests/test_compile.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) -DNNET_STATIC $< -o $@ $(LDLIBS)
tests/test_gemm_fast_serial: tests/test_gemm_fast.c nnet.h tests/test.h | deps
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)
# The reading build (tests/test_reading.c): Part I alone, every function
# entry recorded, linked beside the fast build of tests/reading_fast.c.
READING_SRC = tests/test_reading.c tests/reading_fast.c tests/reading_case.h nnet.h tests/test.h
tests/test_reading: $(READING_SRC) | deps
	$(CC) $(WARN) -O0 -g -finstrument-functions -I. -c tests/test_reading.c -o $@.o
	$(CC) $(ALL_CFLAGS) -c tests/reading_fast.c -o $@-fast.o
	$(CC) $(OPENMP) -rdynamic $@.o $@-fast.o -o $@ $(LDLIBS) && rm -f $@.o $@-fast.o
tests/asan_reading: $(READING_SRC) | deps
	$(CC) $(WARN) $(SANITIZE) -finstrument-functions -I. -c tests/test_reading.c -o $@.o
	$(CC) $(WARN) $(SANITIZE) $(OPENMP) -I. -c tests/reading_fast.c -o $@-fast.o
	$(CC) $(SANITIZE) $(OPENMP) -rdynamic $@.o $@-fast.o -o $@ $(LDLIBS) && rm -f $@.o $@-fast.o
# Inference from four threads at once, plain, under ASan and under TSan.
tests/test_threads tests/asan_threads: LDLIBS += -pthread
tests/tsan_threads: tests/test_threads.c nnet.h tests/test.h | deps test-deps
	clang -std=c99 -Wall -Wextra -Werror -g -O1 $(OPT) -fsanitize=thread -pthread -I. $< -o $@ -lm
# The core tests with a 32-bit size_t (gcc -m32): the size arithmetic, on
# the AVX2 kernels (what qemu-i386 runs; SSE floats, not the x87's wider ones).
M32_TESTS = $(patsubst %,tests/m32_%,gradients training resume optim model layers)
tests/m32_%: tests/test_%.c nnet.h tests/test.h | test-deps
	$(CC) -m32 -mfpmath=sse -march=x86-64-v3 -O2 $(WARN) -I. $< -o $@.bin -lm
	printf '#!/bin/sh\nexec qemu-i386 %s.bin "$$@"\n' $@ > $@ && chmod +x $@
EXTRA_TESTS = tests/tsan_threads $(M32_TESTS)
# test_gemm_portable is test_gemm_fast on the portable kernels.
tests/test_gemm_portable tests/asan_gemm_portable: tests/test_gemm_fast.c
# test_cli runs the example programs.
tests/test_cli tests/asan_cli: $(EXAMPLES)

# The whole suite, normal build then ASan/UBSan build; one closing line.
test: $(TESTS) $(COMPILE_TESTS) $(TESTS:tests/test_%=tests/asan_%) $(EXTRA_TESTS)
	@python3 docs/api.py --check
	@sh tests/run.sh $(TESTS) $(COMPILE_TESTS) $(EXTRA_TESTS) $(TESTS:tests/test_%=tests/asan_%)

sanitize: $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $^

# Fuzzing needs clang with libFuzzer. Every fuzz/fuzz_<name>.c (except the
# replay driver fuzz_main.c) is a target, run for FUZZ_SECONDS on its seeds
# in fuzz/corpus/<name>/ (with fuzz/<name>.dict when there is one); new inputs
# go to fuzz/work/<name>/ and crashes to fuzz/crashes/. `make fuzz/replay_<name>` builds a target with fuzz_main.c
# instead, to replay inputs with any compiler: fuzz/replay_idx FILE...
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZERS = $(patsubst %.c,%,$(filter-out fuzz/fuzz_main.c,$(wildcard fuzz/fuzz_*.c)))

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do name=$${f#fuzz/fuzz_}; log=fuzz/work/$$name.log; \
	    mkdir -p fuzz/work/$$name fuzz/corpus/$$name fuzz/crashes; \
	    echo "fuzzing $$f for $(FUZZ_SECONDS) s (log: $$log)"; \
	    dict=; [ -f fuzz/$$name.dict ] && dict=-dict=fuzz/$$name.dict; \
	    nice $$f $$dict -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=fuzz/crashes/$$name- \
	        fuzz/work/$$name fuzz/corpus/$$name >$$log 2>&1; status=$$?; \
	    grep -E '^(Done|stat::number_of_executed_units|SUMMARY)' $$log; \
	    if [ $$status -ne 0 ]; then echo "$$f failed: see $$log and fuzz/crashes/"; exit 1; fi; \
	done
fuzz/fuzz_%: fuzz/fuzz_%.c nnet.h | deps
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. $< -o $@ $(LDLIBS)
fuzz/replay_%: fuzz/fuzz_%.c fuzz/fuzz_main.c nnet.h | deps
	$(CC) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -I. $< fuzz/fuzz_main.c -o $@ $(LDLIBS)

# Train on $(DATA) with mnist's defaults, then classify the sample digit
# images in data/digits with the saved model (only for the default DATA).
demo: examples/mnist examples/predict
	@mkdir -p build
	./examples/mnist --data $(DATA) --save build/demo.nnet --plots build/plots
	@digits=$$(ls data/digits/*.png data/digits/*.jpg data/digits/*.pgm 2>/dev/null); \
	if [ "$(DATA)" = data/mnist-sample ] && [ -n "$$digits" ]; then \
	    echo ./examples/predict build/demo.nnet $$digits; \
	    ./examples/predict build/demo.nnet $$digits; \
	fi

# The header and a pkg-config file: cc $$(pkg-config --cflags --libs nnet) ...
install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 nnet.h $(DESTDIR)$(PREFIX)/include/nnet.h
	printf 'prefix=%s\nincludedir=$${prefix}/include\n\nName: nnet\nDescription: %s\nVersion: %s\nCflags: -I$${includedir}\nLibs: -lm\n' \
	    '$(PREFIX)' 'multilayer perceptrons in one C header (image and .gz input: also link -lstb)' '$(VERSION)' \
	    > $(DESTDIR)$(PKGCONFIGDIR)/nnet.pc
	@echo "installed $(DESTDIR)$(PREFIX)/include/nnet.h and $(DESTDIR)$(PKGCONFIGDIR)/nnet.pc"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/nnet.h $(DESTDIR)$(PKGCONFIGDIR)/nnet.pc

# GEMM and training speed; compare.py runs PyTorch and numpy on the same data
# back to back. `make bench BENCH_BLAS=` leaves OpenBLAS out.
BENCH_BLAS ?= -DBENCH_CBLAS -lopenblas
BENCH_PACKAGES = libopenblas-dev libopenblas0-pthread python3-numpy python3-torch dataset-fashion-mnist
bench-deps: ; @$(call apt,$(BENCH_PACKAGES),make bench)
bench/bench: bench/bench.c nnet.h | deps bench-deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(BENCH_BLAS) $(LDLIBS)
bench: bench/bench
	OPENBLAS_NUM_THREADS=1 ./bench/bench --gemm
	./bench/bench --phases
	./bench/bench --adam
	/usr/bin/python3 bench/compare.py

# examples/tabular beside scikit-learn's MLP on the tables of data/tabular,
# same folds, same settings (docs/tabular.md).
bench-sklearn: examples/tabular
	@$(call apt,python3-sklearn,make bench-sklearn)
	/usr/bin/python3 bench/compare_sklearn.py --reference

clean:
	rm -f $(TESTS) $(COMPILE_TESTS) $(EXTRA_TESTS) $(TESTS:tests/test_%=tests/asan_%) $(EXAMPLES) $(FUZZERS) fuzz/replay_* bench/bench tests/*.o
	rm -rf build
