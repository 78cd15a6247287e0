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

.PHONY: all test test-programs sanitize demo web serve test-web bench bench-web bench-deps bench-sklearn test-deps wasm-deps examples fuzz clean deps install uninstall test-mcu mcu-deps

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

# $(call apt,PACKAGES,WHO[,OPTIONS]): install the Debian packages missing,
# with apt-get (and its OPTIONS) when run as root, or say exactly which are missing.
apt = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
    if [ -z "$$missing" ]; then :; \
    elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
        echo "installing $$missing with apt-get ($(2))"; \
        (apt-get install -y -q $(3) $$missing || (apt-get update -q && apt-get install -y -q $(3) $$missing)) >/dev/null; \
    else echo "error: $(2) needs Debian's $$(echo $$missing) (sudo apt-get install $$(echo $$missing))"; exit 1; fi

# make test also builds with clang's ThreadSanitizer and with gcc -m32 (run
# under qemu-i386: some kernels, this VM's among them, run no 32-bit programs).
TEST_PACKAGES = clang libclang-rt-14-dev libomp-14-dev gcc-multilib qemu-user
test-deps: ; @$(call apt,$(TEST_PACKAGES),make test)

# WebAssembly: clang's wasm32-wasi target with Debian's wasi-libc, lld and
# compiler-rt for wasm32; no emscripten. Node.js runs the WASI tests.
WASM_PACKAGES = clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
WASM_CC      = clang-14 --target=wasm32-wasi
WASM_CFLAGS  = -O3 -msimd128
wasm-deps:
	@$(call apt,$(WASM_PACKAGES),WebAssembly builds)
	@command -v node >/dev/null || { $(call apt,nodejs,the WebAssembly tests (Node.js runs them)); }

examples: $(EXAMPLES)
examples/%: examples/%.c nnet.h examples/plot.h examples/flags.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)

tests/test_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
tests/asan_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(WARN) $(SANITIZE) $(OPENMP) -I. $< -o $@ $(LDLIBS)

# Compile tests (see tests/test_compile.c): two C units; a C++ unit with the
# implementation linked to a C unit; NNET_STATIC; and the fast-path tests
# built without OpenMP (what `make OPENMP=` builds), and with -mno-avx512f:
# on an AVX-512 machine, the AVX2 kernels that an AVX2-only machine runs.
COMPILE_SRC = tests/test_compile.c tests/compile_second.c
COMPILE_TESTS = tests/test_compile_cpp tests/test_compile_static tests/test_gemm_fast_serial tests/test_gemm_fast_avx2
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
tests/test_gemm_fast_avx2: tests/test_gemm_fast.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) -mno-avx512f $< -o $@ $(LDLIBS)
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
# nnet_train's team (section 17) under TSan: clang's OpenMP runtime is not
# instrumented, so its own accesses are ignored; -ffp-contract=off keeps
# clang's products the same bits as the reference's, as gcc -std=c99 does.
tests/tsan_gemm_fast: tests/test_gemm_fast.c nnet.h tests/test.h | deps test-deps
	clang -std=c99 -Wall -Wextra -Werror -g -O1 $(OPT) -ffp-contract=off -fopenmp -fsanitize=thread -I. $< -o $@.bin -lm
	printf '#!/bin/sh\nTSAN_OPTIONS=ignore_noninstrumented_modules=1 exec %s.bin "$$@"\n' $@ > $@ && chmod +x $@
# The core tests with a 32-bit size_t (gcc -m32): the size arithmetic, on
# the AVX2 kernels (what qemu-i386 runs; SSE floats, not the x87's wider ones).
M32_TESTS = $(patsubst %,tests/m32_%,gradients training resume optim model layers)
tests/m32_%: tests/test_%.c nnet.h tests/test.h | test-deps
	$(CC) -m32 -mfpmath=sse -march=x86-64-v3 -O2 $(WARN) -I. $< -o $@.bin -lm
	printf '#!/bin/sh\nexec qemu-i386 %s.bin "$$@"\n' $@ > $@ && chmod +x $@
# The same core tests and the fast-path tests compiled to WebAssembly
# (wasm32-wasi, SIMD128 kernels), run under node's WASI by tests/wasi_run.mjs.
WASI_TESTS = $(patsubst %,tests/wasi_%,gemm_fast gemm_portable gradients training resume optim layers)
tests/wasi_%: tests/test_%.c nnet.h tests/test.h tests/wasi_run.mjs | wasm-deps
	$(WASM_CC) $(WARN) $(WASM_CFLAGS) -I. $< -o $@.wasm -lm
	printf '#!/bin/sh\nexec node --no-warnings tests/wasi_run.mjs %s.wasm "$$@"\n' $@ > $@ && chmod +x $@
EXTRA_TESTS = tests/tsan_threads tests/tsan_gemm_fast $(M32_TESTS) $(WASI_TESTS)
# The strict build matrix: tests/strict_build.c (trains, predicts, saves,
# loads) built with -Werror as users build it: gcc and clang at -O0, -O2 and
# -O3 -march=native, gcc -flto, NNET_NO_STDIO, NNET_STATIC with one caller,
# C++11 and C++17 with g++ and clang++. Linked (-flto warns only then), not
# run; make test builds them side by side with the rest. gcc -m32 is M32_TESTS.
STRICT_BUILDS = $(addprefix tests/strict/,gcc-O0 gcc-O2 gcc-O3 clang-O0 clang-O2 clang-O3 gcc-lto \
    gcc-nostdio-O1 gcc-nostdio-O3 clang-nostdio gcc-static clang-static g++-c++11 g++-c++17 clang++-c++11 clang++-c++17)
STRICT_CXX = -Wall -Wextra -Wpedantic -Wshadow -Werror
tests/strict/gcc-O0:         STRICT = gcc $(WARN) -O0 -fopenmp
tests/strict/gcc-O2:         STRICT = gcc $(WARN) -O2 -fopenmp
tests/strict/gcc-O3:         STRICT = gcc $(WARN) -O3 -march=native -fopenmp
tests/strict/clang-O0:       STRICT = clang $(WARN) -O0 -fopenmp
tests/strict/clang-O2:       STRICT = clang $(WARN) -O2 -fopenmp
tests/strict/clang-O3:       STRICT = clang $(WARN) -O3 -march=native -fopenmp
tests/strict/gcc-lto:        STRICT = gcc $(WARN) -O2 -flto=auto -fopenmp
tests/strict/gcc-nostdio-O1: STRICT = gcc $(WARN) -O1 -DNNET_NO_STDIO
tests/strict/gcc-nostdio-O3: STRICT = gcc $(WARN) -O3 -march=native -DNNET_NO_STDIO
tests/strict/clang-nostdio:  STRICT = clang $(WARN) -O2 -DNNET_NO_STDIO
tests/strict/gcc-static:     STRICT = gcc $(WARN) -O2 -DNNET_STATIC
tests/strict/clang-static:   STRICT = clang $(WARN) -O2 -DNNET_STATIC
tests/strict/g++-c++11:      STRICT = g++ -x c++ -std=c++11 $(STRICT_CXX) -O2 -fopenmp
tests/strict/g++-c++17:      STRICT = g++ -x c++ -std=c++17 $(STRICT_CXX) -O3 -march=native -fopenmp
tests/strict/clang++-c++11:  STRICT = clang++ -x c++ -std=c++11 $(STRICT_CXX) -O2 -fopenmp
tests/strict/clang++-c++17:  STRICT = clang++ -x c++ -std=c++17 $(STRICT_CXX) -O3 -march=native -fopenmp
$(STRICT_BUILDS): tests/strict_build.c nnet.h | deps test-deps
	@mkdir -p tests/strict
	$(STRICT) -I. tests/strict_build.c -o $@ $(LDLIBS)
# test_gemm_portable is test_gemm_fast on the portable kernels.
tests/test_gemm_portable tests/asan_gemm_portable tests/wasi_gemm_portable: tests/test_gemm_fast.c
# test_int8 compiles in two exported int8 headers.
tests/test_int8 tests/asan_int8: tests/data/int8/relu_int8.h tests/data/int8/lut_int8.h
# test_cli runs the example programs.
tests/test_cli tests/asan_cli: $(EXAMPLES)

# The whole suite, normal build then ASan/UBSan build; one closing line.
# What the tests need is installed first (one apt-get at a time), then the
# programs are built JOBS at a time (default: the number of cores), then run
# one after another.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
TEST_PROGRAMS = $(TESTS) $(COMPILE_TESTS) $(TESTS:tests/test_%=tests/asan_%) $(EXTRA_TESTS) $(STRICT_BUILDS)
test:
	@$(MAKE) --no-print-directory deps test-deps wasm-deps
	@$(MAKE) --no-print-directory -j$(JOBS) test-programs
	@python3 docs/api.py --check
	@sh tests/run.sh $(TESTS) $(COMPILE_TESTS) $(EXTRA_TESTS) $(TESTS:tests/test_%=tests/asan_%)
test-programs: $(TEST_PROGRAMS)

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

# The web page (web/): build/web holds index.html, nnet.js, nnet.wasm (web/
# nnet_wasm.c with nnet.h, built for wasm32-wasi), the model mnist.nnet
# trained here by examples/mnist with the page's training settings, and the
# MNIST sample it trains on. `make serve` serves it on 127.0.0.1:$(PORT)
# (browsers fetch no .wasm from file://); `make test-web` drives it in
# Debian's chromium and Firefox ESR with puppeteer-core (web/test/) and
# leaves a screenshot in build/web-test/.
PORT     ?= 8016
WEB_TRAIN = --layers 784,128,10 --optimizer adam --lr 0.003 --batch 32 --epochs 10 --shift 1 --dropout 0 --seed 1
WEB_DATA  = $(patsubst data/mnist-sample/%,build/web/data/%,$(wildcard data/mnist-sample/*.gz))
WEB_FILES = build/web/index.html build/web/nnet.js build/web/nnet.wasm build/web/mnist.nnet $(WEB_DATA)
web: $(WEB_FILES)
	@echo "build/web: $$(du -cb build/web/index.html build/web/nnet.js build/web/nnet.wasm | tail -1 | cut -f1) bytes of page" \
	    "($$(cat build/web/index.html build/web/nnet.js build/web/nnet.wasm | gzip -9 | wc -c) gzipped), plus the model and the data"
build/web/nnet.wasm: web/nnet_wasm.c nnet.h | wasm-deps
	@mkdir -p build/web
	$(WASM_CC) $(WARN) $(WASM_CFLAGS) -mexec-model=reactor -Wl,--strip-all -Wl,-z,stack-size=1048576 $< -o $@ -lm
build/web/index.html build/web/nnet.js: build/web/%: web/%
	@mkdir -p build/web
	cp $< $@
build/web/data/%: data/mnist-sample/%
	@mkdir -p build/web/data
	cp $< $@
build/web/mnist.nnet: examples/mnist
	@mkdir -p build/web
	./examples/mnist --data data/mnist-sample $(WEB_TRAIN) --save $@ --quiet
serve: web
	@echo "serving build/web on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	python3 -m http.server --bind 127.0.0.1 --directory build/web $(PORT)

WEB_TEST_PACKAGES = chromium firefox-esr
web/test/node_modules: web/test/package.json web/test/package-lock.json
	cd web/test && npm ci --no-audit --no-fund
	@touch $@
test-web: web web/test/node_modules examples/predict
	@$(call apt,$(WEB_TEST_PACKAGES),make test-web)
	node web/test/test.mjs

# The page's training epoch in Chromium against the same C built natively
# with SSE2 only (bench/web_epoch.c), back to back; and reading a drawing.
bench/web_epoch_sse2_gcc: bench/web_epoch.c web/nnet_wasm.c nnet.h | deps
	gcc -std=c99 -O3 -mno-avx -I. $< -o $@ $(LDLIBS)
bench/web_epoch_sse2_clang: bench/web_epoch.c web/nnet_wasm.c nnet.h | deps wasm-deps
	clang-14 -std=c99 -O3 -mno-avx -I. $< -o $@ $(LDLIBS)
bench-web: web web/test/node_modules bench/web_epoch_sse2_gcc bench/web_epoch_sse2_clang
	@$(call apt,$(WEB_TEST_PACKAGES),make bench-web)
	node bench/web.mjs

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

# An int8 network on an emulated Cortex-M4 (docs/microcontrollers.md). The
# demo's 784-256-10 network and a 784-128-10 one (mnist's defaults otherwise)
# are trained on $(DATA) and quantised by examples/quantize, which writes
# model.h, the test digits and expected.txt (nnet.h's int8 predictions);
# examples/mcu/main.c is built with them for the host and for QEMU's
# mps2-an386, and tests/mcu.sh checks both print expected.txt, the accuracy
# and, for 784-128-10, the flash and RAM budget.
MCU_PACKAGES = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
MCU_FLAGS = -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -mcpu=cortex-m4 -mthumb -mfloat-abi=soft \
            -ffunction-sections -fdata-sections --specs=nano.specs -nostartfiles -Wl,--gc-sections
MCU_SOURCES = examples/mcu/main.c examples/mcu/startup.c examples/mcu/mps2-an386.ld
MCU_SIZES = 256 128
mcu-deps: ; @$(call apt,$(MCU_PACKAGES),make test-mcu,--no-install-recommends)
.PRECIOUS: build/mcu/%.nnet build/mcu/%/expected.txt
build/mcu/%.nnet: examples/mnist
	@mkdir -p $(@D)
	./examples/mnist --data $(DATA) --layers 784,$*,10 --save $@ --quiet
build/mcu/%/expected.txt: build/mcu/%.nnet examples/quantize
	@mkdir -p $(@D)
	./examples/quantize --model $< --data $(DATA) --out $(@D) > $(@D)/quantize.txt; status=$$?; cat $(@D)/quantize.txt; exit $$status
build/mcu/%/host: build/mcu/%/expected.txt examples/mcu/main.c
	$(CC) -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -DMCU_HOST -I$(@D) examples/mcu/main.c -o $@
build/mcu/%/mcu.elf: build/mcu/%/expected.txt $(MCU_SOURCES) | mcu-deps
	arm-none-eabi-gcc $(MCU_FLAGS) -I$(@D) examples/mcu/main.c examples/mcu/startup.c -T examples/mcu/mps2-an386.ld -o $@
# With CMSIS_NN=DIR (a CMSIS-NN 7.0 or later source tree, which Debian does
# not package), main.c is also built with its layers run by CMSIS-NN's
# arm_fully_connected_per_channel_s8, and checked the same way.
CMSIS_NN ?=
CMSIS_NN_SOURCES = $(CMSIS_NN)/Source/FullyConnectedFunctions/arm_fully_connected_per_channel_s8.c \
                   $(CMSIS_NN)/Source/NNSupportFunctions/arm_nn_vec_mat_mult_t_per_ch_s8.c
build/mcu/%/cmsis.elf: build/mcu/%/expected.txt $(MCU_SOURCES) | mcu-deps
	arm-none-eabi-gcc $(filter-out -Wpedantic,$(MCU_FLAGS)) -DMCU_CMSIS_NN -I$(@D) -I$(CMSIS_NN)/Include \
	    examples/mcu/main.c examples/mcu/startup.c $(CMSIS_NN_SOURCES) -T examples/mcu/mps2-an386.ld -o $@
test-mcu: $(MCU_SIZES:%=build/mcu/%/host) $(MCU_SIZES:%=build/mcu/%/mcu.elf) $(if $(CMSIS_NN),$(MCU_SIZES:%=build/mcu/%/cmsis.elf)) | mcu-deps
	@CMSIS_NN="$(CMSIS_NN)" sh tests/mcu.sh $(MCU_SIZES)

# GEMM and training speed; compare.py runs PyTorch and numpy on the same data
# back to back. `make bench BENCH_BLAS=` leaves OpenBLAS out.
BENCH_BLAS ?= -DBENCH_CBLAS -lopenblas
BENCH_PACKAGES = libopenblas-dev libopenblas0-pthread python3-numpy python3-torch dataset-fashion-mnist
bench-deps: ; @$(call apt,$(BENCH_PACKAGES),make bench)
# bench/bench-avx2: the same with 256-bit kernels (on an AVX-512 machine).
bench/bench: bench/bench.c nnet.h | deps bench-deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(BENCH_BLAS) $(LDLIBS)
bench/bench-avx2: bench/bench.c nnet.h | deps bench-deps
	$(CC) $(ALL_CFLAGS) -mno-avx512f $< -o $@ $(BENCH_BLAS) $(LDLIBS)
bench: bench/bench bench/bench-avx2
	OPENBLAS_NUM_THREADS=1 ./bench/bench --gemm
	./bench/bench --phases
	./bench/bench-avx2 --phases
	./bench/bench --adam
	./bench/bench-avx2 --adam
	./bench/bench --load
	/usr/bin/python3 bench/compare.py

# examples/tabular beside scikit-learn's MLP on the tables of data/tabular,
# same folds, same settings (docs/tabular.md).
bench-sklearn: examples/tabular
	@$(call apt,python3-sklearn,make bench-sklearn)
	/usr/bin/python3 bench/compare_sklearn.py --reference

clean:
	rm -f $(TESTS) $(COMPILE_TESTS) $(EXTRA_TESTS) $(EXTRA_TESTS:%=%.bin) $(WASI_TESTS:%=%.wasm) $(TESTS:tests/test_%=tests/asan_%) $(EXAMPLES) $(FUZZERS) fuzz/replay_* bench/bench bench/bench-avx2 bench/web_epoch_sse2_* tests/*.o
	rm -rf build tests/strict
