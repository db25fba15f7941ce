package io.tracestream.http;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of the phase a connection's thread is in (headers, body, a response write). When it passes,
 * the thread is interrupted: the JDK server reads and writes through blocking {@code SocketChannel}s, which
 * close on interrupt, so a read stalled by the client ends at once with the connection closed.
 */
final class Deadline {
  private final Thread thread;
  private final ScheduledExecutorService timer;
  private final Runnable onTimeout;
  private ScheduledFuture<?> pending;
  private long generation;
  private String phase = "";
  private boolean fired;

  Deadline(Thread thread, ScheduledExecutorService timer, Runnable onTimeout) {
    this.thread = thread;
    this.timer = timer;
    this.onTimeout = onTimeout;
  }

  /** Starts {@code phase}, replacing the one armed before; throws when an earlier phase timed out. */
  synchronized void arm(Duration timeout, String phase) throws InterruptedIOException {
    end();
    long armed = generation;
    this.phase = phase;
    pending = timer.schedule(() -> fire(armed), timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Ends the phase in time, or throws when it timed out (its connection is closed by then). */
  synchronized void disarm() throws InterruptedIOException {
    end();
  }

  /** Ends whatever is armed, without a word: the connection's task is over. */
  synchronized void cancel() {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
    generation++;
  }

  private void end() throws InterruptedIOException {
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
    generation++;
    if (fired) {
      if (Thread.currentThread() == thread) {
        Thread.interrupted();
      }
      throw new InterruptedIOException(phase + " took too long; the connection was closed");
    }
  }

  private synchronized void fire(long armed) {
    if (armed == generation && !fired) {
      fired = true;
      onTimeout.run();
      thread.interrupt();
    }
  }
}
