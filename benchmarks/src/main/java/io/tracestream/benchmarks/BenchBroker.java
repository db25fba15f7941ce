package io.tracestream.benchmarks;

import io.tracestream.testkit.TestBroker;
import io.tracestream.testkit.TestBrokers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The broker a benchmark runs against: {@code KAFKA_BOOTSTRAP_SERVERS} when set, else a KRaft broker in
 * this JVM ({@code embedded}, null for an external one). {@code description} says which, for the report.
 */
record BenchBroker(TestBroker embedded, String bootstrap, String description) implements AutoCloseable {
  /** What a benchmark does with its broker. */
  interface Bench {
    void run(BenchBroker broker) throws Exception;
  }

  /** Runs {@code bench} against the broker and stops an embedded broker afterwards. */
  static void run(Bench bench) throws Exception {
    try (BenchBroker broker = start()) {
      bench.run(broker);
    }
  }

  private static BenchBroker start() throws Exception {
    String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    if (external != null && !external.isBlank()) {
      return new BenchBroker(null, external, "external, " + external);
    }
    System.out.println("starting an embedded KRaft broker ...");
    TestBroker embedded = TestBrokers.embedded();
    return new BenchBroker(embedded, embedded.bootstrapServers(),
        "embedded KRaft broker in the benchmark JVM (KafkaClusterTestKit, 1 broker)");
  }

  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  void createTopics(int partitions, String... names) throws Exception {
    try (Admin admin = admin()) {
      List<NewTopic> topics = new ArrayList<>();
      for (String name : names) {
        topics.add(new NewTopic(name, partitions, (short) 1));
      }
      admin.createTopics(topics).all().get();
    }
  }

  @Override
  public void close() throws Exception {
    if (embedded != null) {
      embedded.close();
    }
  }
}
