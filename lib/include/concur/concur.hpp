// concur/concur.hpp - everything a demo uses, in one include.
//
// Table of contents, one section per layer folder of lib/, lowest first (a layer uses only
// the ones above it in this list):
//   core/     clock.hpp       the run clock, CPU time
//             actor.hpp       the calling thread's name
//             jitter.hpp      seeded random yields at every synchronization point (--jitter)
//             console.hpp     narration: say("...")
//             timeline.hpp    spans, instants and counters per thread
//             timeout.hpp     Python timeouts read once: durations, deadlines, TimeoutError
//             registry.hpp    Registry<T>: CONCUR_ENTRY, CONCUR_TASK, CONCUR_MANAGED by name
//   threads/  thread.hpp      Thread, current_thread(), sleep_for(), end_of_main()
//                                                          (threading.Thread, daemons)
//             start_line.hpp  StartLine: threads start together
//             overlap.hpp     did the workers really run at the same moment?
//             deadlock.hpp    DeadlockError: lock() finds a deadlock instead of hanging
//             mutex.hpp       Mutex                         (threading.Lock)
//             rlock.hpp       RLock                         (threading.RLock)
//             semaphore.hpp   Semaphore, BoundedSemaphore   (threading.Semaphore, BoundedSemaphore)
//             event.hpp       Event                         (threading.Event)
//             condition.hpp   Condition                     (threading.Condition)
//             barrier.hpp     Barrier, BrokenBarrierError   (threading.Barrier)
//             gil.hpp         Gil: a simulated GIL          (CPython's global interpreter lock)
//             queue.hpp       Queue<T>, LifoQueue, PriorityQueue, SimpleQueue, Full, Empty (queue.*)
//             thread_pool.hpp ThreadPool
//             futures.hpp     Future, ThreadPoolExecutor, wait, as_completed (concurrent.futures)
//             http.hpp        LocalWebServer, http_get      (the websites and requests.get)
//             shared.hpp      Shared<T>: a value whose reads and writes are steps
//             control.hpp     controlled runs: a scheduler picks who goes next; explore()
//   mp/       (namespace concur::mp, like `import multiprocessing as mp`)
//             connection.hpp  Pipe(), Connection            (multiprocessing.Pipe)
//             entry.hpp       CONCUR_ENTRY, Target          (what a child runs, by name)
//             process.hpp     Process, StartMethod          (multiprocessing.Process)
//             shared_memory.hpp SharedMemory                (memory several processes map)
//             synchronize.hpp Lock, RLock, Semaphore, Event, Barrier (multiprocessing's, robust)
//             shared_value.hpp Value<T>, Array<T>           (multiprocessing.Value, Array)
//             overlap.hpp     Overlap across processes
//             queue.hpp       Queue, JoinableQueue          (multiprocessing.Queue)
//             pool.hpp        Pool, CONCUR_TASK, AsyncResult (multiprocessing.Pool)
//             executor.hpp    ProcessPoolExecutor           (concurrent.futures)
//             manager.hpp     Manager, proxies, CONCUR_MANAGED (multiprocessing.Manager)
//   harness/  example.hpp     Example, Param, Variant, Catalogue
//             run.hpp         Run: parameters, results, checks, explanation
//             runtime.hpp     --start-method, --switch-interval, report_overlap(), report_count()
//             remote_commands.hpp  serve_command(), client_command(): a manager's own commands
#pragma once

// What nearly every demo uses besides concur itself: a demo includes only this file.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "concur/core/actor.hpp"
#include "concur/core/clock.hpp"
#include "concur/core/console.hpp"
#include "concur/core/jitter.hpp"
#include "concur/core/timeline.hpp"
#include "concur/core/registry.hpp"
#include "concur/core/timeout.hpp"
#include "concur/threads/barrier.hpp"
#include "concur/threads/condition.hpp"
#include "concur/threads/control.hpp"
#include "concur/threads/deadlock.hpp"
#include "concur/threads/event.hpp"
#include "concur/threads/futures.hpp"
#include "concur/threads/gil.hpp"
#include "concur/threads/http.hpp"
#include "concur/threads/mutex.hpp"
#include "concur/threads/overlap.hpp"
#include "concur/threads/queue.hpp"
#include "concur/threads/rlock.hpp"
#include "concur/threads/semaphore.hpp"
#include "concur/threads/shared.hpp"
#include "concur/threads/start_line.hpp"
#include "concur/threads/thread.hpp"
#include "concur/threads/thread_pool.hpp"
#include "concur/mp/connection.hpp"
#include "concur/mp/entry.hpp"
#include "concur/mp/executor.hpp"
#include "concur/mp/manager.hpp"
#include "concur/mp/overlap.hpp"
#include "concur/mp/pool.hpp"
#include "concur/mp/process.hpp"
#include "concur/mp/queue.hpp"
#include "concur/mp/shared_memory.hpp"
#include "concur/mp/shared_value.hpp"
#include "concur/mp/synchronize.hpp"
#include "concur/harness/example.hpp"
#include "concur/harness/run.hpp"
#include "concur/harness/remote_commands.hpp"
#include "concur/harness/runtime.hpp"
#include "concur/harness/text.hpp"  // format_seconds, count_of: numbers and counts in sentences
