# The front door. `make run` shows the tour; `make test` runs the whole suite.
# Both install missing Debian packages first (scripts/install-deps.sh).

PRESET ?= release
BUILD  := build/$(PRESET)
CONCUR := $(BUILD)/concur

.PHONY: all build deps run test test-busy test-asan test-tsan bench bench-compare clean

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
# run by `make test` and `make test-busy`) are left out: the presets do not build them
# (CONCUR_BUILD_SLOW_TESTS=OFF), and -LE slow leaves them out of a build that has them.
test-asan:
	$(MAKE) test PRESET=asan CTEST_ARGS="-LE slow"

test-tsan:
	$(MAKE) test PRESET=tsan CTEST_ARGS="-LE slow"

# bench_compare runs the others (bench-compare below), so the loop leaves it out.
bench: build
	@for b in $(BUILD)/bench/bench_*; do [ "$${b##*/}" = bench_compare ] && continue; \
	  echo "== $$b"; $$b --benchmark_min_time=0.2; done

# concur's benchmarks next to their CPython twins, one markdown table (bench/results/compare.md;
# bench/README.md, "Side by side with CPython"). Options: make bench-compare ARGS="--reps 5".
bench-compare: deps
	scripts/bench-compare $(ARGS)

clean:
	rm -rf build
