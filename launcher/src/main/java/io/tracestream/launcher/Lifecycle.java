package io.tracestream.launcher;

import java.util.concurrent.CountDownLatch;

/** Keeps a started part running until the JVM is asked to stop (SIGTERM, Ctrl-C), then closes it. */
final class Lifecycle {
  private Lifecycle() {}

  static int runUntilShutdown(AutoCloseable part, String name) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        part.close();
      } catch (Exception e) {
        System.err.println(name + ": error while stopping: " + e);
      } finally {
        stopped.countDown();
      }
    }, name + "-shutdown"));
    stopped.await();
    return 0;
  }
}
