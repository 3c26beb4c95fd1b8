# The front door. `make run` shows the tour; `make test` runs the whole suite.
# Both install missing Debian packages first (scripts/install-deps.sh).

PRESET ?= release
BUILD  := build/$(PRESET)
CONCUR := $(BUILD)/concur

.PHONY: all build deps run test test-asan test-tsan bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake --preset $(PRESET)

build: deps $(BUILD)/build.ninja
	cmake --build --preset $(PRESET)

run: build
	$(CONCUR) tour

test: build
	ctest --preset $(PRESET)

test-asan:
	$(MAKE) test PRESET=asan

test-tsan:
	$(MAKE) test PRESET=tsan

bench: build
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

clean:
	rm -rf build
