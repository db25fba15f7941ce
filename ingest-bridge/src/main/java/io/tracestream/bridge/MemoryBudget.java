package io.tracestream.bridge;

import io.tracestream.span.SplitBudget;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge's one memory bound ({@code bridge.memory.budget}): every request takes, before allocating them,
 * the bytes it is about to hold (its body as read, what decoding OTLP/JSON builds, its Kafka records and the
 * split's bookkeeping) from a {@link Lease}, and gives them back when answered; the forward to Jaeger holds
 * the requests it has not sent yet. When a lease is refused, the request is answered at once: 413 /
 * RESOURCE_EXHAUSTED when it alone needs more than a request may hold, else 503 / UNAVAILABLE, retry later.
 *
 * <p>The gRPC connections' flow-control windows are reserved at start ({@link #reserved}); requests and the
 * forward queue share the rest, below "the budget". A request may hold at most three quarters of the budget
 * ({@link #largest}), and may grow past three
 * quarters of it in total only while it holds no more than a thirty-second: large requests can fill the
 * budget only so far, and small ones, which is what SDKs send, still find room. (A gRPC message's size is
 * not known before it has arrived, so a large one counts as small for its first bytes: small ones may
 * still find the budget full for a moment, and retry.)
 */
final class MemoryBudget {
  /** Why a lease was refused. */
  enum Refusal {
    /** the request alone needs more than {@link #largest}: 413 / RESOURCE_EXHAUSTED, do not retry */
    NEVER_FITS,
    /** the budget is taken by other requests now: 503 / UNAVAILABLE, retry later */
    FULL
  }

  /** Streams of unknown length are read in chunks of this size. */
  static final int CHUNK = 64 << 10;
  /**
   * How long a request's first {@link Lease#take} waits for room before it is refused as
   * {@link Refusal#FULL}: about the time requests in flight take to be answered, so that a burst is
   * admitted as room comes back rather than refused.
   */
  static final Duration WAIT = Duration.ofSeconds(1);

  private final long budget;
  private final long reserved;
  private final long limit;
  private final long largest;
  private final long small;
  private final AtomicLong used = new AtomicLong();
  private final Object room = new Object();
  private volatile int waiting;

  MemoryBudget(long budget) {
    this(budget, 0);
  }

  /**
   * @param reserved bytes set aside at start for holders that cannot ask first (the gRPC connections' flow-control
   *     windows, {@link GrpcLimits#reservedBytes}); requests and the forward queue share the rest
   */
  MemoryBudget(long budget, long reserved) {
    long limit = budget - reserved;
    if (reserved < 0 || limit < 1024) {
      throw new IllegalArgumentException("a memory budget of " + limit + " bytes (" + budget + " less " + reserved
          + " reserved) is too small");
    }
    this.budget = budget;
    this.reserved = reserved;
    this.limit = limit;
    this.largest = limit - limit / 4;
    this.small = limit / 32;
  }

  /** The whole budget, {@code bridge.memory.budget}. */
  long limit() {
    return budget;
  }

  /** What is set aside at start; the rest is for requests and the forward queue. */
  long reserved() {
    return reserved;
  }

  /** The most one request may hold. */
  long largest() {
    return largest;
  }

  /** What requests and the forward queue hold now, the reservation aside. */
  long used() {
    return used.get();
  }

  /** Leases waiting for room now. */
  int waiting() {
    return waiting;
  }

  Lease lease() {
    return new Lease();
  }

  /**
   * Takes {@code bytes} if the total stays within {@code cap} (and the budget); for holders other than
   * requests (the forward queue), which give them back with {@link #release}.
   */
  boolean tryTake(long bytes, long cap) {
    return take(bytes, Math.min(cap, largest));
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
    if (waiting > 0) {
      synchronized (room) {
        room.notifyAll();
      }
    }
  }

  /** {@link #take(long, long)}, waiting up to {@code waitNanos} for room; a waiter is woken by each release. */
  private boolean take(long bytes, long cap, long waitNanos) {
    if (take(bytes, cap)) {
      return true;
    }
    long deadline = System.nanoTime() + waitNanos;
    synchronized (room) {
      waiting++;
      try {
        while (!take(bytes, cap)) { // tried under the lock: a release in between notifies after the wait began
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          room.wait(left / 1_000_000, (int) (left % 1_000_000));
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        waiting--;
      }
    }
  }

  private boolean take(long bytes, long cap) {
    while (true) {
      long now = used.get();
      if (now + bytes > cap) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  /**
   * What one request holds of the budget. Used by one thread at a time (the transport's, the request's
   * handler, then the thread that completes its Kafka write); {@link #close} gives everything back and may
   * be called again.
   */
  final class Lease implements SplitBudget, AutoCloseable {
    private final AtomicLong held = new AtomicLong();
    private volatile Refusal refusal;

    /**
     * Takes {@code bytes} more; false, with {@link #refusal} saying why, when the budget does not have them.
     * A lease that holds nothing yet waits up to {@link #WAIT} for room (a request being admitted, on a
     * thread that may block); one that holds bytes does not, so that requests never wait for each other
     * while holding what the others wait for.
     */
    @Override
    public boolean take(long bytes) {
      return take(bytes, held.get() == 0 ? WAIT.toNanos() : 0);
    }

    /** {@link #take}, refused at once: for the transport's threads, which must not block. */
    boolean takeNow(long bytes) {
      return take(bytes, 0);
    }

    private boolean take(long bytes, long waitNanos) {
      long want = held.get() + bytes;
      if (want > largest) {
        refusal = Refusal.NEVER_FITS;
        return false;
      }
      if (!MemoryBudget.this.take(bytes, want <= small ? limit : largest, waitNanos)) {
        refusal = Refusal.FULL;
        return false;
      }
      held.addAndGet(bytes);
      return true;
    }

    /**
     * The stream's bytes, read in chunks taken from this lease before they are allocated, then copied into
     * one array taken too, the chunks given back; null when the lease is refused ({@link #refusal}) or the
     * stream is longer than {@code max} bytes (null refusal).
     */
    byte[] readAll(InputStream in, int max) throws IOException {
      List<byte[]> chunks = new ArrayList<>();
      long total = 0;
      while (true) {
        if (!take(CHUNK)) {
          return null;
        }
        byte[] chunk = new byte[CHUNK];
        int n = in.readNBytes(chunk, 0, CHUNK);
        chunks.add(chunk);
        total += n;
        if (total > max) {
          return null;
        }
        if (n < CHUNK) {
          break;
        }
      }
      if (!take(total)) {
        return null;
      }
      byte[] all = new byte[(int) total];
      int at = 0;
      for (byte[] chunk : chunks) {
        int n = (int) Math.min(CHUNK, total - at);
        System.arraycopy(chunk, 0, all, at, n);
        at += n;
      }
      release((long) chunks.size() * CHUNK);
      return all;
    }

    /** Gives back {@code bytes} no longer held, e.g. a decoding's transient objects. */
    void release(long bytes) {
      long back = Math.min(bytes, held.get());
      held.addAndGet(-back);
      MemoryBudget.this.release(back);
    }

    long held() {
      return held.get();
    }

    /** Why the last {@link #take} failed; null while none has. */
    Refusal refusal() {
      return refusal;
    }

    @Override
    public void close() {
      MemoryBudget.this.release(held.getAndSet(0));
    }
  }
}
