package io.tracestream.replay.backfill;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import io.tracestream.topology.StreamTopology;
import io.tracestream.topology.TopologyConfig;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A backfill run: the topology under its own application id, {@code tracestream-backfill-NAME}, on its
 * own topics, {@code backfill.NAME.} + each live topic name (spans, results, traces, DLQ), so live
 * results, the live exporters and the live alerting never see it.
 *
 * <p>A rerun is clean: {@link #start} first deletes what an earlier run of the same name left: its six
 * topics and any other {@code backfill.NAME.*} topic (a backtest's alerts),
 * its internal topics (repartition and changelog topics, named after the application id), its
 * consumer group, and its local state ({@code KafkaStreams.cleanUp()} of its own directory under
 * {@code topology.state.dir}). Nothing else is touched. The topics are created again with
 * {@code replay.backfill.partitions} partitions (1 by default: one task per stage, so the order in
 * which every stage sees its input, and with it every window result, depends on the input alone) and
 * {@code retention.ms=-1}, because window results carry their window's (old) time as record timestamp.
 *
 * <p>The run ends when the topology has consumed everything and closed every window
 * ({@link #awaitCompletion}). Event time comes from the replayed spans; once the input stops, each
 * task's event time moves on with the wall clock after {@code topology.idle.close}, so the last traces
 * complete and the last windows close about {@code idle.close + trace.idle + window + grace} of wall
 * time after the last span.
 */
public final class Backfill implements AutoCloseable {
  /** Stores that hold open windows or open traces: empty when the run has nothing left to close. */
  static final List<String> OPEN_STATE_STORES =
      List.of("trace-assembly-traces", "span-metrics-windows", "trace-metrics-windows", "edge-windows");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  private static final String APPLICATION_ID_PREFIX = "tracestream-backfill-";

  private final TopologyConfig config;
  private final KafkaStreams streams;
  private final BackfillMetrics metrics;
  private final Map<String, Object> adminConfig;
  private final Set<String> sourceTopics;

  private Backfill(TopologyConfig config, KafkaStreams streams, BackfillMetrics metrics, Set<String> sourceTopics) {
    this.config = config;
    this.streams = streams;
    this.metrics = metrics;
    this.adminConfig = adminConfig(config);
    this.sourceTopics = sourceTopics;
  }

  public static String applicationId(String name) {
    return APPLICATION_ID_PREFIX + name;
  }

  public static String topicPrefix(String name) {
    return "backfill." + name + ".";
  }

  /** {@code backfill.NAME.} of the run {@code config} (from {@link #config}) belongs to. */
  private static String topicPrefix(TopologyConfig config) {
    return topicPrefix(config.applicationId().substring(APPLICATION_ID_PREFIX.length()));
  }

  /**
   * The topology config of backfill {@code name}: the live settings (window, grace, trace idle ...,
   * so the backfill's windows are the live ones) with its own application id, prefixed topics,
   * {@code idleClose} and no span pre-aggregation.
   */
  public static TopologyConfig config(String name, Settings settings, Duration idleClose) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new ConfigException("--backfill",
          "a backfill name is 1 to 100 letters, digits, '_' or '-', got '" + name + "'");
    }
    TopologyConfig live = TopologyConfig.from(settings);
    Map<String, String> values = new HashMap<>(settings.asMap());
    String prefix = topicPrefix(name);
    values.put("topology.application.id", applicationId(name));
    values.put("topic.spans", prefix + live.spansTopic());
    values.put("topic.span-metrics", prefix + live.spanMetricsTopic());
    values.put("topic.dlq", prefix + live.dlqTopic());
    values.put("topic.traces", prefix + live.tracesTopic());
    values.put("topic.trace-metrics", prefix + live.traceMetricsTopic());
    values.put("topic.edges", prefix + live.edgesTopic());
    values.put("topology.idle.close", idleClose.toMillis() + "ms");
    // Every span's sample goes on alone: pre-aggregating on the wall clock would make which spans of a
    // fast replay come late depend on timing, and a backfill must give the same windows every run.
    values.put("topology.preaggregate.interval", "0s");
    values.put("topology.admin.port", "0");
    return TopologyConfig.from(Settings.of(values));
  }

  /** The run's six topics: spans in, results, traces and DLQ out. */
  public static List<String> dataTopics(TopologyConfig config) {
    return List.of(config.spansTopic(), config.spanMetricsTopic(), config.dlqTopic(), config.tracesTopic(),
        config.traceMetricsTopic(), config.edgesTopic());
  }

  /**
   * Deletes the run's topics (its six data topics, any other {@code backfill.NAME.*} topic such as a
   * backtest's alerts, and the internal topics of its application id), its
   * consumer group and its local state, then waits until the topics are gone. Returns the topics it
   * deleted. Fails when the run's consumer group still has members (the same backfill is running).
   */
  public static List<String> delete(TopologyConfig config, PrintStream log) {
    // only its store and topic names are read: they do not depend on the partition count
    Topology topology = new StreamTopology(config, new BackfillMetrics(), Clock.systemUTC(), 1).get();
    Set<String> owned = new TreeSet<>(dataTopics(config));
    owned.addAll(internalTopics(config.applicationId(), topology));
    try (Admin admin = Admin.create(adminConfig(config))) {
      try {
        admin.deleteConsumerGroups(List.of(config.applicationId())).all().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof GroupNotEmptyException) {
          throw new IllegalStateException("backfill " + config.applicationId()
              + " is running elsewhere (its consumer group has members)");
        }
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          throw e;
        }
      }
      Set<String> existing = admin.listTopics().names().get();
      // and whatever else carries its prefix: the transitions of a backtest of the run (rules backtest)
      existing.stream().filter(t -> t.startsWith(topicPrefix(config))).forEach(owned::add);
      List<String> deleted = owned.stream().filter(existing::contains).toList();
      if (!deleted.isEmpty()) {
        deleteTopics(admin, deleted);
        log.println("backfill: deleted topics " + deleted);
      }
      try (KafkaStreams streams = new KafkaStreams(topology, streamsProperties(config))) {
        streams.cleanUp();
      }
      return deleted;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while deleting backfill " + config.applicationId(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot delete backfill " + config.applicationId() + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Deletes what an earlier run left, creates the run's topics and starts its topology. */
  public static Backfill start(TopologyConfig config, int partitions, PrintStream log) {
    delete(config, log);
    try (Admin admin = Admin.create(adminConfig(config))) {
      createTopics(admin, dataTopics(config), partitions);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating backfill topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create backfill topics: " + e.getCause().getMessage(), e.getCause());
    }
    BackfillMetrics metrics = new BackfillMetrics();
    Topology topology = new StreamTopology(config, metrics, Clock.systemUTC(), partitions).get();
    KafkaStreams streams = new KafkaStreams(topology, streamsProperties(config));
    streams.start();
    log.println("backfill: topology " + config.applicationId() + " started, reading " + config.spansTopic());
    return new Backfill(config, streams, metrics, sourceTopics(config.applicationId(), topology));
  }

  /**
   * Replaces {@code topic}, one of the run's own ({@code backfill.NAME.*}), with {@code records}: deletes
   * it if it exists, creates it as the run's topics are created (as many partitions as its span-metrics
   * topic, {@code retention.ms=-1}) and writes them with an idempotent producer, waiting for every
   * acknowledgement. A rerun so replaces what an earlier one wrote.
   */
  public static void replaceTopic(TopologyConfig config, String topic, List<KeyValue<String, byte[]>> records) {
    if (!topic.startsWith(topicPrefix(config))) {
      throw new IllegalArgumentException(topic + " is not a topic of backfill " + config.applicationId());
    }
    try (Admin admin = Admin.create(adminConfig(config))) {
      int partitions = admin.describeTopics(List.of(config.spanMetricsTopic())).allTopicNames().get()
          .get(config.spanMetricsTopic()).partitions().size();
      if (admin.listTopics().names().get().contains(topic)) {
        deleteTopics(admin, List.of(topic));
      }
      createTopics(admin, List.of(topic), partitions);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while replacing " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot replace " + topic + ": " + e.getCause().getMessage(), e.getCause());
    }
    Map<String, Object> producerConfig = new HashMap<>(config.kafka());
    producerConfig.keySet().retainAll(ProducerConfig.configNames());
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
      for (KeyValue<String, byte[]> r : records) {
        sent.add(producer.send(new ProducerRecord<>(topic, r.key, r.value)));
      }
      for (Future<RecordMetadata> f : sent) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot write " + topic + ": " + e.getCause().getMessage(), e.getCause());
    }
  }

  /** Deletes {@code topics} and waits until they are gone. */
  private static void deleteTopics(Admin admin, List<String> topics) throws InterruptedException, ExecutionException {
    try {
      admin.deleteTopics(topics).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
        throw e;
      }
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (admin.listTopics().names().get().stream().anyMatch(topics::contains)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topics " + topics + " were not deleted within 2 minutes");
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
  }

  /** Creates {@code topics} with {@code retention.ms=-1}: window results carry their old window time. */
  private static void createTopics(Admin admin, List<String> names, int partitions)
      throws InterruptedException, ExecutionException {
    int nodes = admin.describeCluster().nodes().get().size();
    short replication = (short) Math.min(3, Math.max(1, nodes));
    List<NewTopic> topics = new ArrayList<>();
    for (String topic : names) {
      topics.add(new NewTopic(topic, partitions, replication).configs(Map.of("retention.ms", "-1")));
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
      if (missing.isEmpty()) {
        return;
      }
      try {
        admin.createTopics(missing).all().get();
      } catch (ExecutionException e) {
        // a topic just deleted can linger for a moment ("marked for deletion"): try again
        if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() > deadline) {
          throw e;
        }
        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
      }
    }
  }

  public TopologyConfig config() {
    return config;
  }

  /** Counts of late, dropped and DLQ'd input and of completed traces during the run. */
  public Map<String, Long> counts() {
    return metrics.counts();
  }

  /**
   * Waits until the topology has consumed its input and every repartition topic, holds no open trace
   * and no open window, and its output has not moved for two checks in a row.
   *
   * @throws IllegalStateException when that takes longer than {@code timeout}, or the topology fails
   */
  public void awaitCompletion(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> lastOutput = null;
    int quiet = 0;
    try (Admin admin = Admin.create(adminConfig)) {
      while (quiet < 2) {
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
            || state == KafkaStreams.State.PENDING_ERROR) {
          throw new IllegalStateException("backfill topology stopped: " + state);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("backfill " + config.applicationId()
              + " did not close its last windows within "
              + timeout + " (replay.backfill.timeout)");
        }
        Map<TopicPartition, Long> output = endOffsets(admin, List.of(config.spanMetricsTopic(),
            config.traceMetricsTopic(), config.edgesTopic(), config.tracesTopic()));
        boolean done = state == KafkaStreams.State.RUNNING && consumedAll(admin) && storesEmpty();
        quiet = done && output.equals(lastOutput) ? quiet + 1 : 0;
        lastOutput = output;
        if (quiet < 2) {
          LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the backfill", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot follow the backfill: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private boolean consumedAll(Admin admin) throws InterruptedException, ExecutionException {
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(config.applicationId()).partitionsToOffsetAndMetadata().get();
    Map<TopicPartition, Long> ends = endOffsets(admin, List.copyOf(sourceTopics));
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      OffsetAndMetadata offset = committed.get(e.getKey());
      if (e.getValue() > 0 && (offset == null || offset.offset() < e.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
      throws InterruptedException, ExecutionException {
    Map<TopicPartition, OffsetSpec> query = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get().forEach((name, description) ->
        description.partitions().forEach(p -> query.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, Long> out = new HashMap<>();
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(query).all().get();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) {
      out.put(e.getKey(), e.getValue().offset());
    }
    return out;
  }

  private boolean storesEmpty() {
    try {
      for (String store : OPEN_STATE_STORES) {
        ReadOnlyKeyValueStore<Bytes, byte[]> view =
            streams.store(StoreQueryParameters.fromNameAndType(store,
                QueryableStoreTypes.<Bytes, byte[]>keyValueStore()));
        try (KeyValueIterator<Bytes, byte[]> all = view.all()) {
          if (all.hasNext()) {
            return false;
          }
        }
      }
      return true;
    } catch (InvalidStateStoreException e) {
      return false; // rebalancing or restoring
    }
  }

  /** Repartition topics and changelogs of {@code applicationId}, as Kafka Streams names them. */
  static Set<String> internalTopics(String applicationId, Topology topology) {
    Set<String> out = new TreeSet<>();
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
          source.topicSet().stream().filter(t -> t.endsWith("-repartition"))
              .forEach(t -> out.add(applicationId + "-" + t));
        }
        if (node instanceof TopologyDescription.Processor processor) {
          processor.stores().forEach(store -> out.add(applicationId + "-" + store + "-changelog"));
        }
      }
    }
    return out;
  }

  /** What the topology reads: its input and its repartition topics. */
  private static Set<String> sourceTopics(String applicationId, Topology topology) {
    Set<String> out = new TreeSet<>();
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
          source.topicSet().forEach(t -> out.add(t.endsWith("-repartition") ? applicationId + "-" + t : t));
        }
      }
    }
    return out;
  }

  static Properties streamsProperties(TopologyConfig config) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    // there are no global stores: this changes nothing but the start-up WARN that asks for it
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    props.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
    props.putAll(config.kafka());
    return props;
  }

  private static Map<String, Object> adminConfig(TopologyConfig config) {
    Map<String, Object> admin = new HashMap<>(config.kafka());
    admin.keySet().retainAll(AdminClientConfig.configNames());
    return admin;
  }

  /** Stops the topology; its topics and state stay until the next run of the same name (or {@code --delete}). */
  @Override
  public void close() {
    // Leave the group, so that a rerun right after finds it empty and can delete it.
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(30)));
  }
}
