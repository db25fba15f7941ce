package io.tracestream.bridge;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Kafka answers, checked every interval with a cluster description. While it does not, the
 * bridge answers 503 / UNAVAILABLE at once instead of queueing requests that would only time out.
 */
final class KafkaHealth implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaHealth.class);

  private final Admin admin;
  private final Duration interval;
  private final ScheduledExecutorService timer;
  private volatile boolean reachable;

  KafkaHealth(Map<String, Object> kafka, Duration interval) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.keySet().retainAll(AdminClientConfig.configNames());
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "tracestream-bridge-health");
    config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, (int) Math.min(interval.toMillis(), 1000));
    this.admin = Admin.create(config);
    this.interval = interval;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bridge-kafka-health");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    timer.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean reachable() {
    return reachable;
  }

  private void check() {
    int timeoutMs = (int) Math.max(1000, interval.toMillis());
    boolean now;
    try {
      now = !admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).nodes()
          .get(timeoutMs + 500L, TimeUnit.MILLISECONDS).isEmpty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      now = false;
    }
    if (now != reachable) {
      LOG.info("Kafka is {}", now ? "reachable" : "not reachable; answering 503 / UNAVAILABLE");
    }
    reachable = now;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    admin.close(Duration.ofSeconds(2));
  }
}
