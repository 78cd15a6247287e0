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
PREFIX  ?= /usr/local
PKGCONFIGDIR ?= $(PREFIX)/share/pkgconfig
VERSION  = $(shell sed -n 's/^\#define NNET_VERSION_STRING "\(.*\)"/\1/p' nnet.h)

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
examples/%: examples/%.c nnet.h examples/plot.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)

tests/test_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS)
tests/asan_%: tests/test_%.c nnet.h tests/test.h | deps
	$(CC) $(WARN) $(SANITIZE) -I. $< -o $@ $(LDLIBS)
# test_cli runs the example programs.
tests/test_cli tests/asan_cli: $(EXAMPLES)

# The whole suite, normal build then ASan/UBSan build; one closing line.
test: $(TESTS) $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $(TESTS) $(TESTS:tests/test_%=tests/asan_%)

sanitize: $(TESTS:tests/test_%=tests/asan_%)
	@sh tests/run.sh $^

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

clean:
	rm -f $(TESTS) $(TESTS:tests/test_%=tests/asan_%) $(EXAMPLES)
	rm -rf build
