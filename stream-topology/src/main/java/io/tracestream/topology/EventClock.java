package io.tracestream.topology;

import java.util.function.LongConsumer;

/**
 * A task's event time: the greatest timestamp it has seen, saved in a store so that a restart keeps
 * it. Event time only moves with records, so that the last windows and traces of a task that stops
 * receiving records still complete, it advances by the wall-clock time that passes once the task has
 * been idle for {@code idleMs}. All wall-clock readings come from punctuations.
 */
final class EventClock {
  static final long NONE = Long.MIN_VALUE;

  private final LongConsumer save;
  private final long idleMs;
  private long time;
  private long lastActivityWallMs = NONE;
  private boolean activeSincePunctuation;
  private boolean idleSinceStart;

  /** @param saved the event time stored before, or {@link #NONE} */
  EventClock(long saved, LongConsumer save, long idleMs) {
    this.time = saved;
    this.save = save;
    this.idleMs = idleMs;
  }

  long time() {
    return time;
  }

  /** A record with this timestamp arrived; returns whether event time moved forward. */
  boolean observe(long timestamp) {
    activeSincePunctuation = true;
    if (timestamp <= time) {
      return false;
    }
    time = timestamp;
    save.accept(time);
    return true;
  }

  /** Called by a wall-clock punctuation; returns whether event time moved forward. */
  boolean punctuate(long wallMs) {
    if (activeSincePunctuation || lastActivityWallMs == NONE) {
      activeSincePunctuation = false;
      lastActivityWallMs = wallMs;
      return false;
    }
    long idleFor = wallMs - lastActivityWallMs;
    if (time == NONE) {
      idleSinceStart |= idleFor >= idleMs;
      return false;
    }
    if (idleFor < idleMs) {
      return false;
    }
    // Event time moves on with the wall clock from here; the idle period itself stays a gap.
    lastActivityWallMs = wallMs;
    time += idleFor;
    save.accept(time);
    return true;
  }

  /**
   * What this task reports downstream ({@link Progress}): its event time; while it has seen nothing,
   * {@link Progress#NONE} (it may still be catching up), and {@link Progress#IDLE} once it has been idle
   * for {@code idleMs} since it started (a partition that gets no input must not hold every window).
   */
  long progress() {
    return time != NONE ? time : idleSinceStart ? Progress.IDLE : Progress.NONE;
  }

  /** How often to punctuate: often enough to notice idleness within a second or so. */
  static java.time.Duration punctuationInterval(long idleMs) {
    return java.time.Duration.ofMillis(Math.max(100, Math.min(1000, idleMs / 2)));
  }
}
