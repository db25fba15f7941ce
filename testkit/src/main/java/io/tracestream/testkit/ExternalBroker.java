package io.tracestream.testkit;

/** A broker someone else runs, named by {@code KAFKA_BOOTSTRAP_SERVERS}; it cannot be stopped from here. */
final class ExternalBroker implements TestBroker {
  private final String bootstrapServers;

  ExternalBroker(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public boolean canStop() {
    return false;
  }

  @Override
  public void stop() {
    throw new UnsupportedOperationException("an external broker cannot be stopped by the test");
  }

  @Override
  public void start() {
    throw new UnsupportedOperationException("an external broker cannot be started by the test");
  }

  @Override
  public void close() {}
}
