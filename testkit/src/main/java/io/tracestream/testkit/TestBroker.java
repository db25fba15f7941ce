package io.tracestream.testkit;

/** A real Kafka broker that a test talks to. */
public interface TestBroker extends AutoCloseable {
  String bootstrapServers();

  /** Whether {@link #stop()} and {@link #start()} are supported (not for an external broker). */
  boolean canStop();

  /** Makes the broker unreachable while keeping its data and its address. */
  void stop() throws Exception;

  /** Brings a stopped broker back at the same address with the same data. */
  void start() throws Exception;

  @Override
  void close() throws Exception;
}
