package io.tracestream.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.testkit.KafkaBrokerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TopicsIT {
  private static final int INSTANCES = 8;

  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /**
   * Pins a real bug: of two topology processes started at once, one died at start with "cannot check
   * or create topics: Topic ... already exists" (both had listed the output topics as missing).
   */
  @Test
  void instancesStartingAtOnceAllGetTheTopicsAndThePartitionCount() throws Exception {
    KAFKA.createTopics(3, "race_spans");
    List<String> outputs = List.of("race_a", "race_b", "race_c", "race_d");
    CyclicBarrier start = new CyclicBarrier(INSTANCES);
    ExecutorService pool = Executors.newFixedThreadPool(INSTANCES);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return Topics.ensure(Map.of("bootstrap.servers", KAFKA.bootstrapServers()), "race_spans", outputs);
        }));
      }
      for (Future<Integer> result : results) {
        assertThat(result.get()).isEqualTo(3);
      }
    } finally {
      pool.shutdownNow();
    }
    try (var admin = KAFKA.admin()) {
      assertThat(admin.listTopics().names().get()).containsAll(outputs);
    }
  }
}
