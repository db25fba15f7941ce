package io.tracestream.testkit;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A KRaft broker in the test JVM from Kafka's own {@link KafkaClusterTestKit}: one controller and one
 * broker as separate nodes, so the broker can be stopped and restarted on the same port.
 */
final class EmbeddedBroker implements TestBroker {
  private final KafkaClusterTestKit cluster;

  EmbeddedBroker() throws Exception {
    cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .setCombined(false)
        .build())
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setConfigProp("num.partitions", "4")
        .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
  }

  @Override
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public boolean canStop() {
    return true;
  }

  @Override
  public void stop() {
    cluster.brokers().values().forEach(b -> b.shutdown());
  }

  @Override
  public void start() throws Exception {
    cluster.brokers().values().forEach(b -> b.startup());
    cluster.waitForReadyBrokers();
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
