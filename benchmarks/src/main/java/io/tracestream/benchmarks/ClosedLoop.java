package io.tracestream.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop load driver: {@code concurrency} calls in flight, each slot starting its next call as
 * soon as the previous one completes, cycling through the pre-built requests. Calls that complete during
 * the warm-up are not counted; after the measured window no new call starts and the loop waits for the
 * calls in flight. All bookkeeping runs on one dispatcher thread, so it needs no locks.
 */
final class ClosedLoop {
  /** Starts call number {@code request}; completes with true when the call succeeded. */
  interface Call {
    CompletableFuture<Boolean> start(int request);
  }

  private final int[] spansPerRequest;
  private final Call call;
  private final ExecutorService dispatcher;
  private long measureFrom;
  private long measureUntil;
  private int next;
  private long okCalls;
  private long failedCalls;
  private long spans;
  private long[] latencies = new long[1 << 14];
  private String firstFailure;
  private CountDownLatch slotsDone;

  private ClosedLoop(String name, int[] spansPerRequest, Call call) {
    this.spansPerRequest = spansPerRequest;
    this.call = call;
    this.dispatcher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bench-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  static Result run(String name, int concurrency, Duration warmup, Duration duration, int[] spansPerRequest,
      Call call) throws InterruptedException {
    ClosedLoop loop = new ClosedLoop(name, spansPerRequest, call);
    try {
      return loop.run(name, concurrency, warmup, duration);
    } finally {
      loop.dispatcher.shutdownNow();
    }
  }

  private Result run(String name, int concurrency, Duration warmup, Duration duration) throws InterruptedException {
    long start = System.nanoTime();
    measureFrom = start + warmup.toNanos();
    measureUntil = measureFrom + duration.toNanos();
    slotsDone = new CountDownLatch(concurrency);
    for (int slot = 0; slot < concurrency; slot++) {
      dispatcher.execute(this::startNext);
    }
    if (!slotsDone.await(warmup.plus(duration).toSeconds() + 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + ": calls still in flight 60 s after the end of the run");
    }
    // the latch counts down on the dispatcher thread after its last write; read the counters there too
    try {
      return dispatcher.submit(() -> result(name, concurrency, duration)).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private void startNext() {
    long started = System.nanoTime();
    if (started >= measureUntil) {
      slotsDone.countDown();
      return;
    }
    int request = next;
    next = (next + 1) % spansPerRequest.length;
    CompletableFuture<Boolean> pending;
    try {
      pending = call.start(request);
    } catch (RuntimeException e) {
      pending = CompletableFuture.failedFuture(e);
    }
    pending.whenCompleteAsync((ok, error) -> {
      completed(request, started, Boolean.TRUE.equals(ok) && error == null, error);
      startNext();
    }, dispatcher);
  }

  private void completed(int request, long started, boolean ok, Throwable error) {
    long now = System.nanoTime();
    if (now < measureFrom || now >= measureUntil) {
      return;
    }
    if (!ok) {
      failedCalls++;
      if (firstFailure == null) {
        firstFailure = error == null ? "call returned not-OK" : error.toString();
      }
      return;
    }
    okCalls++;
    spans += spansPerRequest[request];
    if (okCalls > latencies.length) {
      latencies = Arrays.copyOf(latencies, latencies.length * 2);
    }
    latencies[(int) okCalls - 1] = now - started;
  }

  private Result result(String name, int concurrency, Duration duration) {
    long[] sorted = Arrays.copyOf(latencies, (int) okCalls);
    Arrays.sort(sorted);
    return new Result(name, concurrency, duration, okCalls, failedCalls, spans,
        percentileMillis(sorted, 0.50), percentileMillis(sorted, 0.99), percentileMillis(sorted, 1.0), firstFailure);
  }

  /** Nearest-rank percentile. */
  private static double percentileMillis(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  /** What one phase measured; only calls completed inside the measured window count. */
  record Result(String name, int concurrency, Duration duration, long okCalls, long failedCalls, long spans,
      double p50Millis, double p99Millis, double maxMillis, String firstFailure) {

    double spansPerSecond() {
      return spans / (duration.toNanos() / 1e9);
    }

    double callsPerSecond() {
      return okCalls / (duration.toNanos() / 1e9);
    }
  }
}
