# The front door. `make run` shows the tour; `make test` runs the whole suite.
# Both install missing Debian packages first (scripts/install-deps.sh).

PRESET ?= release
BUILD  := build/$(PRESET)
CONCUR := $(BUILD)/concur

.PHONY: all build deps run test test-busy test-asan test-tsan bench clean

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
	ctest --preset $(PRESET) $(CTEST_ARGS)

# The claims (tests labelled `claims`: the race family shows, the exercise judges cannot be
# fooled, narration respects causality) again, with 4 CPU hogs keeping both cores busy.
test-busy: build
	scripts/busy.sh 4 ctest --preset $(PRESET) -L claims

# Under the sanitizers, tests labelled `slow` (hundreds of runs of the same claim, already
# run by `make test` and `make test-busy`) are left out.
test-asan:
	$(MAKE) test PRESET=asan CTEST_ARGS="-LE slow"

test-tsan:
	$(MAKE) test PRESET=tsan CTEST_ARGS="-LE slow"

bench: build
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b --benchmark_min_time=0.2; done

clean:
	rm -rf build
