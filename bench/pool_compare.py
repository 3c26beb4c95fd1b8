#!/usr/bin/env python3
"""The Python side of bench_pool and of `concur primes`: the same jobs with CPython.

Prints medians over a few repetitions, each next to a floor measured in the same run
(a forked child echoing one byte over a socketpair), so the figures compare with
bench_pool's ratios. Standard library only.

    python3 bench/pool_compare.py            # everything, about a minute
    python3 bench/pool_compare.py --quick    # smaller sizes, a few seconds
"""
import multiprocessing as mp
import os
import socket
import statistics
import sys
import threading
import time


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


def chunks_of(limit, parts=64):
    step = (limit + parts - 1) // parts
    return [(lo, min(limit, lo + step)) for lo in range(0, limit, step)]


def median_us(fn, calls, reps):
    """Median over `reps` repetitions of the time per call, in microseconds."""
    per_call = []
    for _ in range(reps):
        start = time.perf_counter()
        for i in range(calls):
            fn(i)
        per_call.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(per_call)


def socket_floor_us(calls, reps):
    a, b = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        a.close()
        while True:
            byte = b.recv(1)
            if not byte:
                os._exit(0)
            b.sendall(byte)
    b.close()

    def ping(_):
        a.sendall(b"x")
        a.recv(1)

    result = median_us(ping, calls, reps)
    a.close()
    os.waitpid(pid, 0)
    return result


def main():
    quick = "--quick" in sys.argv
    reps = 3 if quick else 5
    calls = 300 if quick else 2000
    floor = socket_floor_us(calls, reps)
    print(f"floor: socketpair 1-byte echo between two processes   {floor:8.1f} us")

    with mp.Pool(1) as pool:
        t = median_us(lambda i: pool.apply_async(echo, (i,)).get(), calls, reps)
    print(f"Pool(1) apply_async().get() round trip                {t:8.1f} us  ({t / floor:.2f}x floor)")

    items = list(range(100_000 if quick else 1_000_000))
    with mp.Pool(2) as pool:
        rates = []
        for _ in range(reps):
            start = time.perf_counter()
            pool.map(twice, items)
            rates.append(len(items) / (time.perf_counter() - start))
    print(f"Pool(2).map over {len(items):,} ints                        {statistics.median(rates) / 1e6:8.2f} M items/s")

    with mp.Manager() as manager:
        d = manager.dict({"key": 42})
        get_us = median_us(lambda i: d["key"], calls, reps)
        set_us = median_us(lambda i: d.__setitem__("key", i), calls, reps)
    print(f"Manager dict get / set per proxy call                 {get_us:8.1f} / {set_us:.1f} us"
          f"  ({get_us / floor:.2f}x / {set_us / floor:.2f}x floor)")

    limit = 200_000 if quick else 2_000_000
    chunks = chunks_of(limit)
    start = time.perf_counter()
    expected = sum(count_range(c) for c in chunks)
    sequential = time.perf_counter() - start

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

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    on_threads = time.perf_counter() - start
    start = time.perf_counter()
    with mp.Pool(2) as pool:
        on_processes = sum(pool.imap_unordered(count_range, chunks))
    on_pool = time.perf_counter() - start
    assert sum(found) == expected == on_processes
    print(f"primes below {limit:,} ({expected} of them): sequential {sequential:.2f} s, "
          f"2 threads {on_threads:.2f} s ({sequential / on_threads:.2f}x), "
          f"Pool(2) {on_pool:.2f} s ({sequential / on_pool:.2f}x)")


if __name__ == "__main__":
    main()
