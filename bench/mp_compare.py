#!/usr/bin/env python3
"""mp_compare.py - the jobs of bench_pipe, bench_process_queue and bench_start, done
with CPython's multiprocessing on this machine, so the C++ figures have a Python
neighbour measured the same way (bench/README.md, section "Processes"); and bench_queue's
1 -> 1 job with threading and queue.Queue.

Standard library only. Every job is repeated (--reps, 5 by default) and the median is
printed with the lowest and highest repetition beside it. As in the C++ programs, each
job has a floor done with bare os.fork()/os.pipe()/os.read()/os.write(), measured in
the same run: the repetitions of a job and of its floor alternate, and the last column
is the ratio of the two medians. This machine's speed drifts by up to 1.8x within
seconds (cross-core wake-ups by more), so compare a Python figure with a C++ one through
their ratios to their floors, or from runs made one right after the other.

    python3 bench/mp_compare.py              # everything, about a minute
    python3 bench/mp_compare.py --only start # one job: thread_queue, one_way, round_trip, 64MiB, queue, start
    python3 bench/mp_compare.py --only one_way --placement 1 --reps 1 --json out.json
                                             # one job at one placement, once, medians to a file

The jobs (the C++ benchmark they mirror in brackets). A child is started once per job,
before the timed part, and stopped after it; only start-to-running times a start.
- thread_queue [Queue/producers:1/consumers:1]: one producer thread put()s THREAD_BATCH
  ints into a fresh queue.Queue() while one consumer thread get()s them; both threads are
  started and joined inside the timed batch; items per second. Floor: the same through the
  simplest correct queue, a collections.deque under a threading.Condition (bench_queue's
  floor: a mutex, a deque and a condition variable).
- one_way [Pipe/one_way]: a child sends BATCH messages {"i": n} through Pipe(duplex=False)
  while the parent recv()s them; messages per second. Floor: the child os.write()s a
  12-byte record per message into an os.pipe(), the parent os.read()s each.
- round_trip [Pipe/round_trip]: the parent sends {"i": n} over a duplex Pipe(), a child
  echoes it, the parent receives it; microseconds per round trip. Floor: a 1-byte
  ping-pong over two os.pipe()s.
- 64MiB [Pipe/64MiB_send_bytes]: one 64 MiB bytes object with send_bytes()/recv_bytes()
  over Pipe(duplex=False); MB/s (10^6 bytes, as Google Benchmark's M). Floor: os.write()
  of the 64 MiB, os.readv() into a bytearray allocated once.
- queue [mp::Queue/1x1]: a producer process put()s BATCH items {"i": n} into a
  multiprocessing.Queue(), the parent get()s them; items per second. Floor: one_way's.
- start [Process/<method>]: time.monotonic_ns() just before Process.start(), and as the
  first statement of the child's target (sent home through a pipe); CLOCK_MONOTONIC is
  system-wide. Per start method, after one untimed start (and, for forkserver,
  multiprocessing.forkserver.ensure_running()). Floor: os.fork(), the child sends
  time.monotonic_ns() and os._exit()s.

one_way, round_trip, 64MiB and queue run at three placements, as the C++ ones: 0 lets the
scheduler place the two processes, 1 pins both to one core, 2 to two different cores
(os.sched_setaffinity); --placement picks some. Those children are forked (Python 3.11's
default on Linux, and what a concur::mp::Process with a closure does). thread_queue and
start run at the scheduler's placement.

--json PATH also writes every median, with its floor's, to PATH (bench/bench_compare
reads it): written whole, or not at all if a job fails.
"""

import argparse
import collections
import json
import multiprocessing as mp
import multiprocessing.forkserver
import os
import queue
import statistics
import struct
import sys
import threading
import time

THREAD_BATCH = 100_000     # ints per thread_queue batch (as bench_queue's kBatch)
BATCH = 10_000             # messages or items per batch (as the C++ kBatch)
BATCHES_PER_REP = 2        # batches timed per repetition
ROUND_TRIPS = 2_000        # round trips per repetition (as the C++ kRoundTrips)
BIG = 64 << 20             # the 64 MiB payload
RECORD = 12                # the floor's small message, as long as the C++ one
STARTS = {"fork": 50, "forkserver": 30, "spawn": 10}  # starts per repetition
GO, QUIT = b"g", b"q"      # what a floor's child is told, one byte at a time

# ---- multiprocessing children (module level: spawn and forkserver find them by name) ----


def _sender(conn, go):
    i = 0
    while go.recv() is not None:
        for _ in range(BATCH):
            conn.send({"i": i})
            i += 1


def _echo(conn):
    while True:
        msg = conn.recv()
        if msg is None:
            return
        conn.send(msg)


def _big_sender(conn, go, payload):
    while go.recv() is not None:
        conn.send_bytes(payload)


def _producer(queue, go):
    i = 0
    while go.recv() is not None:
        for _ in range(BATCH):
            queue.put({"i": i})
            i += 1


def _stamp(conn):
    conn.send_bytes(struct.pack("q", time.monotonic_ns()))  # the target's first statement
    conn.close()


# ---- helpers ---------------------------------------------------------------------------


def cpus():
    return sorted(os.sched_getaffinity(0))


def pin_parent(placement):
    """Pins this thread for `placement`; returns the affinity to restore."""
    saved = os.sched_getaffinity(0)
    if placement != 0:
        if placement == 2 and len(cpus()) < 2:
            raise SystemExit("placement 2 needs two CPUs")
        os.sched_setaffinity(0, {cpus()[0]})
    return saved


def pin_child(pid, placement, allowed):
    """Pins every thread of process `pid` (a threads-per-client server, such as a Manager's,
    is then pinned whole: a thread it starts later inherits its creator's CPUs)."""
    if placement == 0:
        return
    cpu = {allowed[0] if placement == 1 else allowed[1]}
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    for tid in threads:
        try:
            os.sched_setaffinity(tid, cpu)
        except ProcessLookupError:
            pass  # the thread ended meanwhile


def read_exact(fd, n):
    out = b""
    while len(out) < n:
        chunk = os.read(fd, n - len(out))
        if not chunk:
            raise EOFError("the child has gone")
        out += chunk
    return out


def fork_child(body, *close_in_child):
    """A bare os.fork(): the child closes what it must not hold, runs body(), _exits."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for fd in close_in_child:
                os.close(fd)
            body()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def reaped(pid):
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"a floor's child ended with {os.waitstatus_to_exitcode(status)}")


def ended(proc):
    proc.join(10)
    if proc.exitcode != 0:
        raise RuntimeError(f"{proc.name} ended with {proc.exitcode}")


# ---- jobs: each keeps its child for its whole life; measure() times one repetition -----


class PlainQueue:
    """thread_queue's floor: the simplest correct unbounded queue."""

    def __init__(self):
        self.items = collections.deque()
        self.not_empty = threading.Condition()

    def put(self, item):
        with self.not_empty:
            self.items.append(item)
            self.not_empty.notify()

    def get(self):
        with self.not_empty:
            while not self.items:
                self.not_empty.wait()
            return self.items.popleft()


class ThreadHandoff:
    """One batch from a producer thread to a consumer thread through a fresh queue."""

    def __init__(self, make_queue):
        self.make_queue = make_queue

    def measure(self):
        q = self.make_queue()

        def consume():
            total = 0
            for _ in range(THREAD_BATCH):
                total += q.get()

        def produce():
            for i in range(THREAD_BATCH):
                q.put(i)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=consume), threading.Thread(target=produce)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return THREAD_BATCH / (time.perf_counter() - t0)

    def stop(self):
        pass


class MpOneWay:
    def __init__(self, ctx, placement, allowed):
        self.reader, writer = ctx.Pipe(duplex=False)
        go_r, self.go = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_sender, args=(writer, go_r), name="sender")
        self.child.start()
        writer.close()
        go_r.close()
        pin_child(self.child.pid, placement, allowed)

    def measure(self):
        t0 = time.perf_counter()
        total = 0
        for _ in range(BATCHES_PER_REP):
            self.go.send(True)
            for _ in range(BATCH):
                total += self.reader.recv()["i"]
        return BATCH * BATCHES_PER_REP / (time.perf_counter() - t0)

    def stop(self):
        self.go.send(None)
        ended(self.child)
        self.reader.close()
        self.go.close()


class MpQueue:
    def __init__(self, ctx, placement, allowed):
        self.queue = ctx.Queue()
        go_r, self.go = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_producer, args=(self.queue, go_r), name="producer")
        self.child.start()
        go_r.close()
        pin_child(self.child.pid, placement, allowed)

    def measure(self):
        t0 = time.perf_counter()
        total = 0
        for _ in range(BATCHES_PER_REP):
            self.go.send(True)
            for _ in range(BATCH):
                total += self.queue.get(timeout=10)["i"]
        return BATCH * BATCHES_PER_REP / (time.perf_counter() - t0)

    def stop(self):
        self.go.send(None)
        ended(self.child)
        self.go.close()
        self.queue.close()
        self.queue.join_thread()


class RawOneWay:
    def __init__(self, placement, allowed):
        self.data, data_w = os.pipe()
        go_r, self.go = os.pipe()

        def body():
            record = bytearray(RECORD)
            i = 0
            while os.read(go_r, 1) == GO:
                for _ in range(BATCH):
                    i += 1
                    record[4:8] = i.to_bytes(4, "little")
                    os.write(data_w, record)

        self.pid = fork_child(body, self.data, self.go)
        os.close(data_w)
        os.close(go_r)
        pin_child(self.pid, placement, allowed)

    def measure(self):
        t0 = time.perf_counter()
        total = 0
        for _ in range(BATCHES_PER_REP):
            os.write(self.go, GO)
            for _ in range(BATCH):
                total += read_exact(self.data, RECORD)[4]
        return BATCH * BATCHES_PER_REP / (time.perf_counter() - t0)

    def stop(self):
        os.write(self.go, QUIT)
        reaped(self.pid)
        os.close(self.data)
        os.close(self.go)


class MpRoundTrip:
    def __init__(self, ctx, placement, allowed):
        self.mine, theirs = ctx.Pipe(duplex=True)
        self.child = ctx.Process(target=_echo, args=(theirs,), name="echo")
        self.child.start()
        theirs.close()
        pin_child(self.child.pid, placement, allowed)

    def measure(self):
        t0 = time.perf_counter()
        for i in range(ROUND_TRIPS):
            self.mine.send({"i": i})
            if self.mine.recv()["i"] != i:
                raise RuntimeError("an echo came back wrong")
        return (time.perf_counter() - t0) / ROUND_TRIPS

    def stop(self):
        self.mine.send(None)
        ended(self.child)
        self.mine.close()


class RawRoundTrip:
    def __init__(self, placement, allowed):
        ping_r, self.ping = os.pipe()
        self.pong, pong_w = os.pipe()

        def body():
            while os.read(ping_r, 1) == GO:
                os.write(pong_w, GO)

        self.pid = fork_child(body, self.ping, self.pong)
        os.close(ping_r)
        os.close(pong_w)
        pin_child(self.pid, placement, allowed)

    def measure(self):
        t0 = time.perf_counter()
        for _ in range(ROUND_TRIPS):
            os.write(self.ping, GO)
            if os.read(self.pong, 1) != GO:
                raise EOFError("the child has gone")
        return (time.perf_counter() - t0) / ROUND_TRIPS

    def stop(self):
        os.write(self.ping, QUIT)
        reaped(self.pid)
        os.close(self.ping)
        os.close(self.pong)


class MpBig:
    def __init__(self, ctx, placement, allowed, payload):
        self.reader, writer = ctx.Pipe(duplex=False)
        go_r, self.go = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_big_sender, args=(writer, go_r, payload), name="sender")
        self.child.start()
        writer.close()
        go_r.close()
        pin_child(self.child.pid, placement, allowed)

    def measure(self):
        t0 = time.perf_counter()
        self.go.send(True)
        got = len(self.reader.recv_bytes())
        elapsed = time.perf_counter() - t0
        if got != BIG:
            raise RuntimeError("short payload")
        return BIG / elapsed

    def stop(self):
        self.go.send(None)
        ended(self.child)
        self.reader.close()
        self.go.close()


class RawBig:
    def __init__(self, placement, allowed, payload):
        self.buffer = bytearray(BIG)  # allocated and touched once
        self.data, data_w = os.pipe()
        go_r, self.go = os.pipe()

        def body():
            view = memoryview(payload)
            while os.read(go_r, 1) == GO:
                done = 0
                while done < BIG:
                    done += os.write(data_w, view[done:])

        self.pid = fork_child(body, self.data, self.go)
        os.close(data_w)
        os.close(go_r)
        pin_child(self.pid, placement, allowed)

    def measure(self):
        view = memoryview(self.buffer)
        t0 = time.perf_counter()
        os.write(self.go, GO)
        done = 0
        while done < BIG:
            n = os.readv(self.data, [view[done:]])
            if n == 0:
                raise EOFError("the child has gone")
            done += n
        return BIG / (time.perf_counter() - t0)

    def stop(self):
        os.write(self.go, QUIT)
        reaped(self.pid)
        os.close(self.data)
        os.close(self.go)


def start_once(ctx):
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_stamp, args=(writer,), name="started")
    t0 = time.monotonic_ns()
    child.start()
    writer.close()
    (running,) = struct.unpack("q", reader.recv_bytes())
    ended(child)
    reader.close()
    return (running - t0) / 1e9


def bare_fork_once():
    r, w = os.pipe()
    t0 = time.monotonic_ns()
    pid = os.fork()
    if pid == 0:
        os.write(w, struct.pack("q", time.monotonic_ns()))
        os._exit(0)
    os.close(w)
    (running,) = struct.unpack("q", read_exact(r, 8))
    reaped(pid)
    os.close(r)
    return (running - t0) / 1e9


class Start:
    def __init__(self, method):
        self.method = method
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            multiprocessing.forkserver.ensure_running()
        start_once(self.ctx)  # untimed: the first start's page faults and imports

    def measure(self):
        return statistics.mean(start_once(self.ctx) for _ in range(STARTS[self.method]))

    def stop(self):
        pass


class BareFork:
    def __init__(self, n):
        self.n = n
        bare_fork_once()

    def measure(self):
        return statistics.mean(bare_fork_once() for _ in range(self.n))

    def stop(self):
        pass


# ---- running and printing -----------------------------------------------------------


def compare(reps, placement, make_ours, make_floor):
    """Alternates the repetitions of a job and its floor; both children live throughout."""
    saved = pin_parent(placement)
    allowed = cpus() if placement == 0 else sorted(saved)
    ours = make_ours(allowed)
    try:
        floor = make_floor(allowed)
        try:
            a, b = [], []
            for _ in range(reps):
                a.append(ours.measure())
                b.append(floor.measure())
        finally:
            floor.stop()
    finally:
        ours.stop()
        os.sched_setaffinity(0, saved)
    return a, b


class Results:
    """What --json writes (schema concur.twin/1, read by bench/bench_compare): per job and
    placement, the repetitions, their median and the floor's, in plain units (items/s, s,
    bytes/s, or x for a speedup). pool_compare.py writes the same."""

    def __init__(self, script, reps):
        self.script = script
        self.reps = reps
        self.entries = []

    def add(self, name, job, placement, unit, results, floor_what=None):
        ours, floor = results
        entry = {"name": name, "job": job, "placement": placement, "unit": unit,
                 "median": statistics.median(ours), "lowest": min(ours), "highest": max(ours), "values": ours}
        if floor:
            entry["floor"] = {"what": floor_what, "median": statistics.median(floor), "values": floor}
        self.entries.append(entry)

    def write(self, path):
        report = {
            "schema": "concur.twin/1", "script": self.script,
            "python": sys.version.split()[0], "cpus": os.cpu_count(), "reps": self.reps,
            "results": self.entries,
        }
        write_whole(path, json.dumps(report, indent=1) + "\n")


def write_whole(path, text):
    """Writes a file beside PATH and renames it into place: PATH is whole or untouched."""
    temporary = os.path.join(os.path.dirname(os.path.abspath(path)), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def line(label, results, fmt):
    ours, floor = results
    m, f = statistics.median(ours), statistics.median(floor)
    print(f"{label:<30} {fmt(m)}  ({fmt(min(ours))} .. {fmt(max(ours))})   floor {fmt(f)}   "
          f"ratio {m / f:6.3f}", flush=True)
    return results


def rate(x):
    return f"{x / 1e3:8.1f} k/s"


def micros(x):
    return f"{x * 1e6:8.1f} us"


def mbps(x):
    return f"{x / 1e6:8.1f} MB/s"


def millis(x):
    return f"{x * 1e3:8.3f} ms"


JOBS = ["thread_queue", "one_way", "round_trip", "64MiB", "queue", "start"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per job (default 5)")
    parser.add_argument("--only", choices=JOBS, action="append", help="run only these jobs (repeatable)")
    parser.add_argument("--placement", type=int, choices=[0, 1, 2], action="append",
                        help="run the placed jobs only at these placements (repeatable; default 0, 1 and 2)")
    parser.add_argument("--json", metavar="PATH", help="also write the medians and floors to PATH as JSON")
    args = parser.parse_args()
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    jobs = args.only or JOBS
    placements = sorted(set(args.placement or [0, 1, 2]))
    results = Results(os.path.basename(__file__), args.reps)
    print(f"CPython {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}; medians of {args.reps} repetitions (lowest .. highest); "
          f"ratio = median / floor's median")
    try:
        run(jobs, placements, args.reps, results)
    finally:
        stop_helpers()
    if args.json:
        results.write(args.json)


def run(jobs, placements, reps, results):
    fork = mp.get_context("fork")

    def placed(job, label, unit, fmt, make_ours, make_floor, floor_what):
        for p in placements:
            results.add(f"{job}/placement:{p}", job, p, unit,
                        line(f"{label} placement:{p}",
                             compare(reps, p, lambda c: make_ours(p, c), lambda c: make_floor(p, c)), fmt),
                        floor_what)

    if "thread_queue" in jobs:
        results.add("thread_queue", "thread_queue", None, "items/s",
                    line("queue.Queue 1 -> 1 threads",
                         compare(reps, 0, lambda c: ThreadHandoff(queue.Queue), lambda c: ThreadHandoff(PlainQueue)),
                         rate),
                    "collections.deque + threading.Condition")
    if "one_way" in jobs:
        placed("one_way", "Pipe one_way", "items/s", rate,
               lambda p, c: MpOneWay(fork, p, c), lambda p, c: RawOneWay(p, c), "os.pipe 12-byte records")
    if "round_trip" in jobs:
        placed("round_trip", "Pipe round_trip", "s", micros,
               lambda p, c: MpRoundTrip(fork, p, c), lambda p, c: RawRoundTrip(p, c), "os.pipe 1-byte ping-pong")
    if "64MiB" in jobs:
        payload = b"x" * BIG
        placed("64MiB", "Pipe 64MiB", "bytes/s", mbps,
               lambda p, c: MpBig(fork, p, c, payload), lambda p, c: RawBig(p, c, payload), "os.pipe 64 MiB")
        del payload
    if "queue" in jobs:
        placed("queue", "Queue 1x1", "items/s", rate,
               lambda p, c: MpQueue(fork, p, c), lambda p, c: RawOneWay(p, c), "os.pipe 12-byte records")
    if "start" in jobs:
        for method in ("fork", "spawn", "forkserver"):
            results.add(f"start/{method}", "start", None, "s",
                        line(f"start {method} (floor: os.fork)",
                             compare(reps, 0, lambda c: Start(method), lambda c: BareFork(STARTS[method])), millis),
                        "os.fork")


def stop_helpers():
    """Stops and reaps the fork server and the resource tracker that spawn and forkserver
    started, so that none is left for init to reap after we exit. Private, but stable since
    Python 3.8; skipped if a version lacks them (they then end by themselves at exit)."""
    from multiprocessing import forkserver, resource_tracker
    for helper in (getattr(forkserver, "_forkserver", None), getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()


if __name__ == "__main__":
    main()
