package io.tracestream.testkit;

import org.testcontainers.kafka.KafkaContainer;

/**
 * Testcontainers' Kafka, for machines with a Docker engine ({@code -Dtestkit.broker=testcontainers}).
 * Stop and start pause the container, which keeps its mapped port and its data.
 */
final class ContainerBroker implements TestBroker {
  private final KafkaContainer container;

  ContainerBroker(String image) {
    container = new KafkaContainer(image);
    container.start();
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public boolean canStop() {
    return true;
  }

  @Override
  public void stop() {
    container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
  }

  @Override
  public void start() {
    container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
  }

  @Override
  public void close() {
    container.stop();
  }
}
