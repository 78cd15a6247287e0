# nnet.h - build the examples, run the tests, the demo and the benchmarks.
# `make demo` and `make test` do all set-up on a fresh Debian machine.

CC      ?= cc
OPT     ?= -O2 -march=native
WARN     = -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Werror
CFLAGS  ?= $(OPT)
# Threads for nnet_train_desc.threads; `make OPENMP=` builds serial code
# (the pragmas are skipped and every thread count runs on one thread).
OPENMP  ?= -fopenmp
ALL_CFLAGS = $(WARN) $(CFLAGS) $(OPENMP) -I.
LDLIBS   = -lstb -lm
SANITIZE = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
DATA    ?= data/mnist-sample

TESTS    = $(patsubst %.c,%,$(wildcard tests/test_*.c))
EXAMPLES = $(patsubst %.c,%,$(wildcard examples/*.c))
STB      = /usr/include/stb/stb_image.h

.PHONY: all test sanitize demo bench examples fuzz clean deps install uninstall

all: examples $(TESTS)

# stb_image (Debian's libstb-dev) decodes images and inflates .gz files.
deps: $(STB)
$(STB):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing libstb-dev (stb_image) with apt-get"; \
	    (apt-get install -y -q libstb-dev || (apt-get update -q && apt-get install -y -q libstb-dev)) >/dev/null; \
	else \
	    echo "error: $(STB) is missing: install Debian's libstb-dev (sudo apt-get install libstb-dev)"; exit 1; \
	fi

examples: $(EXAMPLES)
examples/%: examples/%.c nnet.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)

tests/test_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
tests/asan_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(WARN) $(SANITIZE) $(OPENMP) -I. $< -o $@ $(LDLIBS)

# The whole suite, normal build then ASan/UBSan build; one closing line.
test: $(TESTS) $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $(TESTS) $(TESTS:tests/test_%=tests/asan_%)

sanitize: $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $^

demo: examples/mnist
	./examples/mnist --data $(DATA)

# GEMM and training speed; compare.py runs PyTorch and numpy on the same data
# back to back. `make bench BENCH_BLAS=` leaves OpenBLAS out.
BENCH_BLAS ?= -DBENCH_CBLAS -lopenblas
bench/bench: bench/bench.c nnet.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(BENCH_BLAS) $(LDLIBS)
bench: bench/bench
	OPENBLAS_NUM_THREADS=1 ./bench/bench --gemm
	/usr/bin/python3 bench/compare.py

clean:
	rm -f $(TESTS) $(TESTS:tests/test_%=tests/asan_%) $(EXAMPLES) bench/bench
