package io.tracestream.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a bound; fails naming what it waited for. Never a bare sleep. */
public final class Await {
  private Await() {}

  public static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  /** Waits like {@link #until}, but answers whether the condition held instead of failing (to report figures). */
  public static boolean holds(Duration timeout, BooleanSupplier condition) {
    try {
      until(timeout, "the condition", condition);
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }
}
