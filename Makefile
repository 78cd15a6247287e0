# nnet.h - build the examples, run the tests, the demo and the benchmarks.
# `make demo` and `make test` do all set-up on a fresh Debian machine.

CC      ?= cc
OPT     ?= -O2 -march=native
WARN     = -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Werror
CFLAGS  ?= $(OPT)
ALL_CFLAGS = $(WARN) $(CFLAGS) -I.
LDLIBS   = -lstb -lm
SANITIZE = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
DATA    ?= data/mnist-sample

TESTS    = $(patsubst %.c,%,$(wildcard tests/test_*.c))
EXAMPLES = $(patsubst %.c,%,$(wildcard examples/*.c))
STB      = /usr/include/stb/stb_image.h

.PHONY: all test sanitize demo bench examples fuzz clean deps install uninstall

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

examples: $(EXAMPLES)
examples/%: examples/%.c nnet.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)

tests/test_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
tests/asan_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(WARN) $(SANITIZE) -I. $< -o $@ $(LDLIBS)

# Compile tests (see tests/test_compile.c): two C units; a C++ unit with the
# implementation linked to a C unit; NNET_STATIC.
COMPILE_SRC = tests/test_compile.c tests/compile_second.c
COMPILE_TESTS = tests/test_compile_cpp tests/test_compile_static
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

# The whole suite, normal build then ASan/UBSan build; one closing line.
test: $(TESTS) $(COMPILE_TESTS) $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $(TESTS) $(COMPILE_TESTS) $(TESTS:tests/test_%=tests/asan_%)

sanitize: $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $^

demo: examples/mnist
	./examples/mnist --data $(DATA)

clean:
	rm -f $(TESTS) $(COMPILE_TESTS) $(TESTS:tests/test_%=tests/asan_%) $(EXAMPLES) tests/*.o
