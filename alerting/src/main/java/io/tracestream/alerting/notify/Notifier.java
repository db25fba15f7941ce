package io.tracestream.alerting.notify;

import io.tracestream.alerting.AlertTransition;
import io.tracestream.alerting.AlertingConfig;
import io.tracestream.alerting.AlertingTopology;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code tracestream.alerts} ({@code read_committed}) and delivers each paged transition to the
 * configured receivers, in order per partition.
 *
 * <p><b>No duplicate after a restart.</b> The consumer group's committed offset is the delivery log:
 * after a transition has been delivered to every receiver, the offset past it is committed
 * synchronously before the next one is read; after each single receiver's success, the offset of
 * the transition itself is committed with metadata naming the receivers done, so a restart in the
 * middle delivers only to those left. On assignment, each partition is read from its beginning: the
 * records before the committed offset rebuild the {@link AlertView} and the set of idempotency keys
 * already handled, and are not delivered again. The one window left is a kill after a receiver
 * answered 2xx and before that commit returned (milliseconds): that transition is delivered again
 * with the same idempotency key, which Alertmanager absorbs (same labels, same alert) and which a
 * webhook receiver can drop.
 */
public final class Notifier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final String DONE_PREFIX = "delivered=";
  private static final int MAX_KEYS = 100_000;

  private final String topic;
  private final List<Receiver> receivers;
  private final Optional<AlertmanagerReceiver> alertmanager;
  private final Duration retryFor;
  private final NotifierMetrics metrics;
  private final AlertView view = new AlertView();
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread poller;
  private final ScheduledExecutorService resender;
  private final Object deliveryLock = new Object();
  /** Per assigned partition: the committed offset, below which records are history, not news. */
  private final Map<Integer, Long> committed = new ConcurrentHashMap<>();
  /** Per assigned partition: receivers already done with the transition at the committed offset. */
  private final Map<Integer, Set<String>> partlyDone = new ConcurrentHashMap<>();
  /** Per assigned partition: whether it has been read up to its committed offset since assigned. */
  private final Map<Integer, Boolean> rebuilt = new ConcurrentHashMap<>();
  /** Per assigned partition: the offset this instance last committed (only touched by the poll thread). */
  private final Map<Integer, Long> lastCommitted = new HashMap<>();
  private final Set<String> handledKeys = new LinkedHashSet<>();
  private volatile boolean assignedOnce;
  private volatile boolean closed;

  public Notifier(AlertingConfig config, String generatorUrl, NotifierMetrics metrics, Clock clock) {
    this.topic = config.alertsTopic();
    this.retryFor = config.retryFor();
    this.metrics = metrics;
    JsonPost http = new JsonPost(config.deliveryTimeout());
    List<Receiver> list = new ArrayList<>();
    this.alertmanager = config.alertmanagerUrl()
        .map(url -> new AlertmanagerReceiver(url, generatorUrl, config.resendInterval(), http, clock));
    alertmanager.ifPresent(list::add);
    config.webhookUrl().map(url -> new WebhookReceiver(url, http)).ifPresent(list::add);
    config.slackWebhookUrl().map((URI url) -> new SlackReceiver(url, http)).ifPresent(list::add);
    this.receivers = List.copyOf(list);
    if (receivers.isEmpty()) {
      LOG.warn("no receiver configured (alerting.alertmanager.url, alerting.webhook.url, alerting.slack.webhook.url):"
          + " transitions are recorded on {} and paged nowhere", topic);
    }

    Map<String, Object> props = new HashMap<>(config.kafka());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.applicationId() + "-notifier");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-notifier");
    // a delivery may be retried for retryFor without polling; the group must not take the partition away
    props.putIfAbsent(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
        (int) Math.min(Integer.MAX_VALUE, retryFor.toMillis() * Math.max(1, receivers.size()) + 60_000));
    props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    props.keySet().retainAll(ConsumerConfig.configNames());
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.poller = new Thread(this::run, "tracestream-notifier");
    poller.setDaemon(true);
    poller.start();
    this.resender = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tracestream-alertmanager-resend");
      t.setDaemon(true);
      return t;
    });
    long every = config.resendInterval().toMillis();
    resender.scheduleAtFixedRate(this::resend, every, every, TimeUnit.MILLISECONDS);
  }

  public AlertView view() {
    return view;
  }

  /** True once the notifier's partitions are assigned and read up to their committed offsets. */
  public boolean ready() {
    return !closed && assignedOnce && rebuilt.values().stream().allMatch(Boolean::booleanValue);
  }


  private void run() {
    try {
      consumer.subscribe(List.of(topic), new Rebuild());
      while (!closed) {
        try {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
            handle(record);
          }
          commitPastMarkers();
          for (Map.Entry<Integer, Long> e : committed.entrySet()) {
            if (!rebuilt.getOrDefault(e.getKey(), true)
                && consumer.position(new TopicPartition(topic, e.getKey())) >= e.getValue()) {
              rebuilt.put(e.getKey(), true);
            }
          }
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          LOG.warn("notifier: reading {} failed, retrying: {}", topic, e.toString());
          LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void handle(ConsumerRecord<String, byte[]> record) {
    int partition = record.partition();
    long boundary = committed.getOrDefault(partition, 0L);
    AlertTransition t;
    try {
      t = AlertingTopology.TRANSITION.fromBytes(record.value());
    } catch (SerializationException e) {
      t = null;
    }
    if (record.offset() < boundary) { // history: already handled before this assignment
      if (t != null) {
        view.apply(partition, t);
        remember(t.idempotencyKey());
      }
      return;
    }
    if (t == null) {
      metrics.skipped("undecodable");
      commit(partition, record.offset() + 1, "");
      return;
    }
    synchronized (deliveryLock) {
      view.apply(partition, t);
    }
    if (handledKeys.contains(t.idempotencyKey())) {
      metrics.skipped("duplicate");
    } else if (!t.page()) {
      metrics.skipped("not_paged");
    } else {
      Set<String> done = record.offset() == boundary ? partlyDone.getOrDefault(partition, Set.of()) : Set.of();
      deliver(partition, record.offset(), t, new HashSet<>(done));
    }
    remember(t.idempotencyKey());
    commit(partition, record.offset() + 1, "");
  }

  /**
   * Commits the position where it is past the last record handled: transaction markers take offsets
   * too, and without this the group's lag would never reach 0.
   */
  private void commitPastMarkers() {
    for (Map.Entry<Integer, Long> e : lastCommitted.entrySet()) {
      TopicPartition tp = new TopicPartition(topic, e.getKey());
      long position = consumer.position(tp);
      if (position > e.getValue() && position >= committed.getOrDefault(e.getKey(), 0L)) {
        commit(e.getKey(), position, "");
      }
    }
  }

  private void deliver(int partition, long offset, AlertTransition t, Set<String> done) {
    for (Receiver receiver : receivers) {
      if (done.contains(receiver.name())) {
        continue;
      }
      if (deliverWithRetries(receiver, t)) {
        done.add(receiver.name());
        if (done.size() < receivers.size()) {
          commit(partition, offset, DONE_PREFIX + String.join(",", done));
        }
      }
    }
  }

  private boolean deliverWithRetries(Receiver receiver, AlertTransition t) {
    long deadline = System.nanoTime() + retryFor.toNanos();
    Duration backoff = FIRST_BACKOFF;
    while (true) {
      try {
        synchronized (deliveryLock) {
          receiver.deliver(t);
        }
        metrics.delivery(receiver.name(), "delivered");
        LOG.info("delivered {} to {}", t.idempotencyKey(), receiver.name());
        return true;
      } catch (DeliveryException e) {
        if (!e.retryable() || System.nanoTime() + backoff.toNanos() > deadline || closed) {
          metrics.delivery(receiver.name(), "failed");
          LOG.error("giving up delivering {} to {}: {}", t.idempotencyKey(), receiver.name(), e.getMessage());
          return false;
        }
        metrics.delivery(receiver.name(), "retry");
        LOG.warn("delivering {} to {} failed, retrying in {} ms: {}", t.idempotencyKey(), receiver.name(),
            backoff.toMillis(), e.getMessage());
        LockSupport.parkNanos(backoff.toNanos());
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  private void remember(String key) {
    if (handledKeys.add(key) && handledKeys.size() > MAX_KEYS) {
      handledKeys.remove(handledKeys.iterator().next());
    }
  }

  /**
   * Commits synchronously, and keeps trying while the commit times out or fails retriably (the broker
   * or the group coordinator is away): the committed offset is the delivery log, so nothing after this
   * transition may be delivered before it is recorded; and giving up would skip the rest of the poll,
   * whose records the consumer's position is already past, until the next restart.
   */
  private void commit(int partition, long offset, String metadata) {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        Map.of(new TopicPartition(topic, partition), new OffsetAndMetadata(offset, metadata));
    while (true) {
      try {
        consumer.commitSync(offsets);
        lastCommitted.put(partition, offset);
        return;
      } catch (RetriableException e) {
        if (closed) {
          throw e;
        }
        LOG.warn("notifier: committing offset {} of {}-{} failed, retrying: {}", offset, topic, partition, e.toString());
        LockSupport.parkNanos(POLL.toNanos());
      }
    }
  }

  private void resend() {
    if (alertmanager.isEmpty()) {
      return;
    }
    try {
      synchronized (deliveryLock) {
        List<AlertTransition> firing = view.pagedFiring();
        alertmanager.get().resend(firing);
        if (!firing.isEmpty()) {
          metrics.delivery("alertmanager", "resent");
        }
      }
    } catch (DeliveryException | RuntimeException e) {
      metrics.delivery("alertmanager", "resend_failed");
      LOG.warn("sending firing alerts to Alertmanager again failed: {}", e.getMessage());
    }
  }

  /** Runs inside {@code poll}, on the poll thread. */
  private final class Rebuild implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      Set<TopicPartition> set = new HashSet<>(partitions);
      Map<TopicPartition, OffsetAndMetadata> offsets = consumer.committed(set);
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata om = offsets.get(tp);
        long offset = om == null ? 0 : om.offset();
        committed.put(tp.partition(), offset);
        String meta = om == null ? "" : om.metadata();
        partlyDone.put(tp.partition(), meta != null && meta.startsWith(DONE_PREFIX)
            ? Set.of(meta.substring(DONE_PREFIX.length()).split(",")) : Set.of());
        rebuilt.put(tp.partition(), offset == 0);
        lastCommitted.put(tp.partition(), offset);
      }
      view.dropPartitions(partitions.stream().map(TopicPartition::partition).toList());
      consumer.seekToBeginning(partitions);
      assignedOnce = true;
      LOG.info("notifier assigned {}, committed offsets {}", partitions, committed);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      List<Integer> numbers = partitions.stream().map(TopicPartition::partition).toList();
      view.dropPartitions(numbers);
      numbers.forEach(p -> {
        committed.remove(p);
        partlyDone.remove(p);
        rebuilt.remove(p);
        lastCommitted.remove(p);
      });
    }
  }

  @Override
  public void close() {
    closed = true;
    resender.shutdownNow();
    consumer.wakeup();
    try {
      poller.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
