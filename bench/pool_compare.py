#!/usr/bin/env python3
"""The Python side of bench_pool and of `concur primes`: the same jobs with CPython.

Prints medians over a few repetitions, each next to a floor measured in the same run,
its repetitions alternating with the job's, so the figures compare with bench_pool's
ratios. Standard library only.

    python3 bench/pool_compare.py            # everything, about a minute
    python3 bench/pool_compare.py --quick    # smaller sizes, a few seconds
    python3 bench/pool_compare.py --only manager --placement 2 --reps 1 --json out.json
                                             # one job at one placement, once, medians to a file

The jobs (bench_pool's line in brackets):
- apply [Pool/apply_async_round_trip]: Pool(1).apply_async(echo, (i,)).get(), one call at
  a time; microseconds per call. Floor: a forked child echoing one byte over a socketpair
  [Floor/socket_round_trip].
- map [Pool/map_small_items]: Pool(2).map(twice, ...) over 1,000,000 ints; items per
  second. Floor: the same map in this process [Floor/map_in_process].
- manager [Manager/dict_get, Manager/dict_set]: d["key"] and d["key"] = i on a
  Manager().dict(); microseconds per proxy call. Floor: the socketpair echo. At three
  placements, as bench_pool's: 0 lets the scheduler place this process and the manager's
  server (or the echo child), 1 pins both to one core, 2 to two different cores (every
  thread of the server: it serves each client on a thread of its own); --placement picks
  some (by default only 0). apply and map run at the scheduler's placement.
- primes [`concur primes`]: the primes below 2,000,000 counted by trial division in 64
  chunks, sequentially, on two threads and on a Pool(2) (started before the clock, as
  concur's processes variant times the work, not the pool's start); the speedups over
  sequential. Three rounds of the three, taking turns as `concur primes --repeat 3` does,
  and the medians, whatever --reps says (a round takes about 14 s).

--json PATH also writes every median, with its floor's, to PATH (bench/bench_compare
reads it; the format is mp_compare.py's): written whole, or not at all if a job fails.
"""
import argparse
import multiprocessing as mp
import os
import socket
import statistics
import sys
import threading
import time

from mp_compare import Results, pin_child, pin_parent

JOBS = ["apply", "map", "manager", "primes"]


def echo(x):
    return x


def twice(x):
    return 2 * x


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    d = 3
    while d * d <= n:
        if n % d == 0:
            return False
        d += 2
    return True


def count_range(bounds):
    lo, hi = bounds
    return sum(1 for n in range(lo, hi) if is_prime(n))


def chunks_of(limit, workers=2):
    """As `concur primes` cuts the range: each chunk 1/(4*workers) of what is left, none
    below 1/1024 of the range, so the last (costliest) chunks are small."""
    chunks, lo, smallest = [], 0, max(1, limit // 1024)
    while lo < limit:
        step = max(smallest, (limit - lo) // (4 * workers))
        chunks.append((lo, min(limit, lo + step)))
        lo += step
    return chunks


def seconds_per_call(fn, calls):
    """One repetition: the time per call of fn(0) .. fn(calls - 1), in seconds."""
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
    return (time.perf_counter() - start) / calls


def alternate(reps, measures):
    """Runs each of `measures` (name -> function timing one repetition) once per
    repetition, in turn, so the machine's drift falls on all of them; name -> values."""
    values = {name: [] for name in measures}
    for _ in range(reps):
        for name, measure in measures.items():
            values[name].append(measure())
    return values


class SocketEcho:
    """The floor: a forked child echoing one byte over a socketpair, pinned as `placement`
    says (this process must already be pinned by pin_parent)."""

    def __init__(self, placement, allowed):
        self.mine, theirs = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            self.mine.close()
            while True:
                byte = theirs.recv(1)
                if not byte:
                    os._exit(0)
                theirs.sendall(byte)
        theirs.close()
        pin_child(self.pid, placement, allowed)

    def ping(self, _):
        self.mine.sendall(b"x")
        self.mine.recv(1)

    def close(self):
        self.mine.close()
        os.waitpid(self.pid, 0)


class Placed:
    """Pins this process for `placement` for the length of a with block."""

    def __init__(self, placement):
        self.placement = placement

    def __enter__(self):
        self.saved = pin_parent(self.placement)
        return sorted(os.sched_getaffinity(0)) if self.placement == 0 else sorted(self.saved)

    def __exit__(self, *_):
        os.sched_setaffinity(0, self.saved)


def us(seconds):
    return seconds * 1e6


def apply_job(results, reps, calls):
    with Placed(0) as allowed, mp.Pool(1) as pool:
        floor = SocketEcho(0, allowed)
        try:
            v = alternate(reps, {"floor": lambda: seconds_per_call(floor.ping, calls),
                                 "apply": lambda: seconds_per_call(lambda i: pool.apply_async(echo, (i,)).get(), calls)})
        finally:
            floor.close()
    results.add("apply", "apply", None, "s", (v["apply"], v["floor"]), "socketpair 1-byte echo")
    f, t = statistics.median(v["floor"]), statistics.median(v["apply"])
    print(f"floor: socketpair 1-byte echo between two processes   {us(f):8.1f} us")
    print(f"Pool(1) apply_async().get() round trip                {us(t):8.1f} us  ({t / f:.2f}x floor)")


def map_job(results, reps, size):
    items = list(range(size))

    def rate(run):
        start = time.perf_counter()
        run()
        return len(items) / (time.perf_counter() - start)

    with mp.Pool(2) as pool:
        pool.map(twice, items)  # untimed, as bench_pool's: the workers' memory grows once per pool
        v = alternate(reps, {"map": lambda: rate(lambda: pool.map(twice, items)),
                             "floor": lambda: rate(lambda: list(map(twice, items)))})
    results.add("map", "map", None, "items/s", (v["map"], v["floor"]), "the same map in this process")
    print(f"Pool(2).map over {len(items):,} ints                        {statistics.median(v['map']) / 1e6:8.2f} M items/s"
          f"  (in this process: {statistics.median(v['floor']) / 1e6:.2f} M items/s)")


def manager_job(results, reps, calls, placement):
    with Placed(placement) as allowed, mp.Manager() as manager:
        d = manager.dict({"key": 42})
        d["key"]  # noqa: B018 (the proxy's connection, and the server's thread for it)
        pin_child(manager._process.pid, placement, allowed)
        floor = SocketEcho(placement, allowed)
        try:
            v = alternate(reps, {"floor": lambda: seconds_per_call(floor.ping, calls),
                                 "get": lambda: seconds_per_call(lambda i: d["key"], calls),
                                 "set": lambda: seconds_per_call(lambda i: d.__setitem__("key", i), calls)})
        finally:
            floor.close()
    for what in ("get", "set"):
        results.add(f"manager_{what}/placement:{placement}", "manager", placement, "s",
                    (v[what], v["floor"]), "socketpair 1-byte echo")
    f, g, s = (statistics.median(v[k]) for k in ("floor", "get", "set"))
    where = "" if placement == 0 else f" (placement:{placement})"
    print(f"Manager dict get / set per proxy call{where:<16} {us(g):8.1f} / {us(s):.1f} us"
          f"  ({g / f:.2f}x / {s / f:.2f}x floor, {us(f):.1f} us)")


def primes_job(results, limit, rounds=3):
    """Three rounds of sequential, threads, Pool(2), taking turns as `concur primes
    --repeat 3` does, so the machine's drift falls on all three; the speedups divide
    the medians."""
    chunks = chunks_of(limit)
    times = {"sequential": [], "threads": [], "pool": []}
    with mp.Pool(2) as pool:  # started once, outside the timings, as concur's pool is
        for _ in range(rounds):
            start = time.perf_counter()
            expected = sum(count_range(c) for c in chunks)
            times["sequential"].append(time.perf_counter() - start)

            found = []
            lock = threading.Lock()
            it = iter(chunks)

            def worker():
                while True:
                    with lock:
                        c = next(it, None)
                    if c is None:
                        return
                    n = count_range(c)
                    with lock:
                        found.append(n)

            threads = [threading.Thread(target=worker) for _ in range(2)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            times["threads"].append(time.perf_counter() - start)

            start = time.perf_counter()
            on_processes = sum(pool.imap_unordered(count_range, chunks))
            times["pool"].append(time.perf_counter() - start)
            assert sum(found) == expected == on_processes
    sequential, on_threads, on_pool = (statistics.median(times[k]) for k in ("sequential", "threads", "pool"))
    results.add("primes_threads", "primes", None, "x", ([sequential / on_threads], None))
    results.add("primes_processes", "primes", None, "x", ([sequential / on_pool], None))
    print(f"primes below {limit:,} ({expected} of them): sequential {sequential:.2f} s, "
          f"2 threads {on_threads:.2f} s ({sequential / on_threads:.2f}x), "
          f"Pool(2) {on_pool:.2f} s ({sequential / on_pool:.2f}x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a few seconds")
    parser.add_argument("--reps", type=int, help="repetitions per job (default 5; 3 with --quick)")
    parser.add_argument("--only", choices=JOBS, action="append", help="run only these jobs (repeatable)")
    parser.add_argument("--placement", type=int, choices=[0, 1, 2], action="append",
                        help="run the manager job at these placements (repeatable; default 0)")
    parser.add_argument("--json", metavar="PATH", help="also write the medians and floors to PATH as JSON")
    args = parser.parse_args()
    if args.reps is not None and args.reps < 1:
        parser.error("--reps must be at least 1")
    reps = args.reps or (3 if args.quick else 5)
    calls = 300 if args.quick else 2000
    jobs = args.only or JOBS
    results = Results(os.path.basename(__file__), reps)

    if "apply" in jobs:
        apply_job(results, reps, calls)
    if "map" in jobs:
        map_job(results, reps, 100_000 if args.quick else 1_000_000)
    if "manager" in jobs:
        for placement in sorted(set(args.placement or [0])):
            manager_job(results, reps, calls, placement)
    if "primes" in jobs:
        primes_job(results, 200_000 if args.quick else 2_000_000)
    if args.json:
        results.write(args.json)


if __name__ == "__main__":
    sys.exit(main())
