#!/usr/bin/env python3
"""What jitter costs a whole exercise run: each reference solution, run with the options
`concur check` gives it, with --jitter and without, interleaved; medians and their ratio.

    cmake --build build/release && python3 bench/jitter_exercises.py [build/release] [runs]

The runners are the ones the tests build (build/.../tests/cli/exercises/exercise-solution-*);
each exercise's options come from `concur check --json`.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build/release"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
concur = os.path.join(build, "concur")
runners = os.path.join(build, "tests/cli/exercises")
names = ["race", "lock", "semaphore", "event", "queue-pool", "deadlock", "process-lock", "shared-value", "pool"]

env = dict(os.environ, CONCUR_WORKSPACE=tempfile.mkdtemp(prefix="concur-bench-ws-"))
env.pop("CONCUR_JITTER", None)
print(f"{'exercise':<14}{'plain (median)':>16}{'jitter (median)':>17}{'ratio':>8}")
for name in names:
    program = os.path.join(runners, f"exercise-solution-{name}")
    verdict = json.loads(subprocess.run([concur, "check", name, "--program", program, "--runs", "1", "--seed", "1",
                                         "--json", "-"], capture_output=True, text=True, env=env).stdout)
    base = [program, name, "--quiet", "--no-timeline"] + verdict["options"]
    plain, jittered = [], []
    for i in range(runs):
        for times, extra in ((plain, []), (jittered, ["--jitter", str(i + 1)])):
            began = time.perf_counter()
            subprocess.run(base + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
            times.append(time.perf_counter() - began)
    p, j = statistics.median(plain), statistics.median(jittered)
    print(f"{name:<14}{p * 1000:>13.1f} ms{j * 1000:>14.1f} ms{j / p:>7.2f}x")
