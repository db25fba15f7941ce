package io.tracestream.replay;

import java.util.function.LongSupplier;

/**
 * How fast replay sends: as fast as possible, {@code rate} spans per second, or {@code speed} times
 * the original pacing (the gaps between span end times, divided by {@code speed}). {@link #await} is
 * called before each request is sent; it sleeps until that request is due.
 */
public abstract class Pacer {
  /** Sleeps; tests pass a fake that advances a fake clock. */
  public interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  final LongSupplier nanoTime;
  final Sleeper sleeper;

  private Pacer(LongSupplier nanoTime, Sleeper sleeper) {
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /**
   * Waits until a request of {@code spans} spans whose latest span ends at {@code eventNanos} (epoch
   * nanoseconds) is due.
   */
  public abstract void await(int spans, long eventNanos) throws InterruptedException;

  public static Pacer unlimited() {
    return new Pacer(System::nanoTime, (n) -> { }) {
      @Override
      public void await(int spans, long eventNanos) {}
    };
  }

  /** {@code spansPerSecond} on average from the first request on; a request is sent whole. */
  public static Pacer rate(double spansPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
    if (!(spansPerSecond > 0) || Double.isInfinite(spansPerSecond)) {
      throw new IllegalArgumentException("rate must be a positive number of spans per second, got " + spansPerSecond);
    }
    return new Pacer(nanoTime, sleeper) {
      private long start = Long.MIN_VALUE;
      private long sent;

      @Override
      public void await(int spans, long eventNanos) throws InterruptedException {
        long now = nanoTime.getAsLong();
        if (start == Long.MIN_VALUE) {
          start = now;
        }
        long due = start + (long) (sent / spansPerSecond * 1e9);
        sent += spans;
        if (due > now) {
          sleeper.sleepNanos(due - now);
        }
      }
    };
  }

  /**
   * The original gaps between requests divided by {@code speed}: a request whose spans ended ten
   * seconds after the first request's is sent ten seconds (at speed 1) after it. Requests that are
   * earlier than one already sent (an unsorted file) go at once.
   */
  public static Pacer speed(double speed, LongSupplier nanoTime, Sleeper sleeper) {
    if (!(speed > 0) || Double.isInfinite(speed)) {
      throw new IllegalArgumentException("speed must be a positive factor, got " + speed);
    }
    return new Pacer(nanoTime, sleeper) {
      private long firstWall = Long.MIN_VALUE;
      private long firstEvent;

      @Override
      public void await(int spans, long eventNanos) throws InterruptedException {
        long now = nanoTime.getAsLong();
        if (firstWall == Long.MIN_VALUE) {
          firstWall = now;
          firstEvent = eventNanos;
          return;
        }
        long due = firstWall + (long) ((eventNanos - firstEvent) / speed);
        if (due > now) {
          sleeper.sleepNanos(due - now);
        }
      }
    };
  }
}
