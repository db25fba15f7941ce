package io.tracestream.testkit;

/**
 * Brokers for code outside JUnit, such as the benchmarks' mains; tests use {@link KafkaBrokerExtension}.
 */
public final class TestBrokers {
  private TestBrokers() {}

  /** Starts a KRaft broker in this JVM (one controller, one broker); close it to stop it. */
  public static TestBroker embedded() throws Exception {
    return new EmbeddedBroker();
  }
}
