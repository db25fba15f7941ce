package io.tracestream.topology;

import static io.tracestream.topology.TopologyFixture.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tracestream.config.Settings;
import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.TraceSeriesKey;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.query.QueryStores;
import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trace and edge window tasks of a topology with two input partitions, fed partials and progress
 * reports on their repartition topics as two trace assembly tasks send them.
 */
class PartialWindowsTest {
  private static final TraceSeriesKey CHECKOUT = new TraceSeriesKey("frontend", "POST /checkout");
  private static final EdgeKey FRONTEND_PAYMENT = new EdgeKey("frontend", "payment", "");

  @TempDir
  Path stateDir;

  private final InMemoryTopologyMetrics metrics = new InMemoryTopologyMetrics();
  private TopologyTestDriver driver;
  private TestInputTopic<String, TracePartial> tracePartials;
  private TestInputTopic<String, EdgePartial> edgePartials;
  private TestOutputTopic<TraceSeriesKey, WindowResult> traceMetrics;
  private TestOutputTopic<EdgeKey, EdgeWindowResult> edges;

  @BeforeEach
  void start() {
    TopologyConfig config = TopologyConfig.from(Settings.of(Map.of("topology.window", "1m", "topology.grace", "30s")));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tracestream");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    Instant wall = T0.plusSeconds(3600);
    driver = new TopologyTestDriver(new StreamTopology(config, metrics, Clock.fixed(wall, ZoneOffset.UTC), 2).get(),
        props, wall);
    tracePartials = driver.createInputTopic("tracestream-trace-partials-by-root-service-repartition",
        new StringSerializer(), TracePartial.SERDE.serializer());
    edgePartials = driver.createInputTopic("tracestream-edge-partials-by-client-repartition",
        new StringSerializer(), EdgePartial.SERDE.serializer());
    traceMetrics = driver.createOutputTopic("tracestream.trace-metrics",
        StreamTopology.TRACE_SERIES_KEY.deserializer(), StreamTopology.WINDOW_RESULT.deserializer());
    edges = driver.createOutputTopic("tracestream.edges",
        StreamTopology.EDGE_KEY.deserializer(), StreamTopology.EDGE_WINDOW_RESULT.deserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static TracePartial traces(double... durationsMs) {
    TracePartial partial = TracePartial.KIND.empty(List.of("frontend", "POST /checkout"));
    for (double ms : durationsMs) {
      TracePartial.add(partial.window(), new TraceSummary("t", "frontend", "POST /checkout", false, 0,
          (long) (ms * 1e6), 1, ms > 250, List.of("frontend")), 1);
    }
    return partial;
  }

  private static EdgePartial calls(boolean... failed) {
    EdgePartial partial = EdgePartial.KIND.empty(List.of("frontend", "payment", ""));
    for (boolean f : failed) {
      partial.window().add(new Edge("frontend", "payment", "", f, 20_000_000, 10_000_000));
    }
    return partial;
  }

  /** A progress report of assembly task {@code task} of 2, at {@code offsetMs} after T0. */
  private static <V> TestRecord<String, V> report(int task, long offsetMs) {
    return new TestRecord<>("", null, new Progress(task, 2, T0.toEpochMilli() + offsetMs).headers(), T0);
  }

  private static <V> TestRecord<String, V> at(String key, V partial, long offsetMs) {
    return new TestRecord<>(key, partial, T0.plusMillis(offsetMs));
  }

  @Test
  void partialsOfTwoAssemblyTasksAreMergedAndTheWindowClosesWhenBothHavePassedIt() {
    // Given partials of the first window from both assembly tasks
    tracePartials.pipeInput(at("frontend", traces(100, 200), 20_000));
    tracePartials.pipeInput(at("frontend", traces(300), 50_000));
    tracePartials.pipeInput(report(0, 95_000));
    assertThat(traceMetrics.isEmpty()).as("task 1 has not reported").isTrue();

    // When the second task reports past the window's end + grace
    tracePartials.pipeInput(report(1, 91_000));

    // Then one result of the three traces
    List<KeyValue<TraceSeriesKey, WindowResult>> out = traceMetrics.readKeyValuesToList();
    assertThat(out).singleElement().satisfies(kv -> {
      assertThat(kv.key).isEqualTo(CHECKOUT);
      assertThat(kv.value.windowStart()).isEqualTo(T0.toEpochMilli());
      assertThat(kv.value.count()).isEqualTo(3);
      assertThat(kv.value.errors()).isEqualTo(1);
      assertThat(kv.value.sumMs()).isCloseTo(600, within(1e-6));
      assertThat(kv.value.maxMs()).isCloseTo(300, within(1e-6));
    });
  }

  @Test
  void edgePartialsOfTwoAssemblyTasksAreMergedIntoOneResultAndTheDependencyLinks() {
    edgePartials.pipeInput(at("frontend", calls(false, true), 20_000));
    edgePartials.pipeInput(at("frontend", calls(false), 30_000));
    edgePartials.pipeInput(report(1, 100_000));
    edgePartials.pipeInput(report(0, 100_000));

    assertThat(edges.readKeyValuesToList()).singleElement().satisfies(kv -> {
      assertThat(kv.key).isEqualTo(FRONTEND_PAYMENT);
      assertThat(kv.value.calls()).isEqualTo(3);
      assertThat(kv.value.errors()).isEqualTo(1);
      assertThat(kv.value.client().count()).isEqualTo(3);
      assertThat(kv.value.client().maxMs()).isCloseTo(20, within(1e-6));
      assertThat(kv.value.server().sumMs()).isCloseTo(30, within(1e-6));
    });
    WindowStore<EdgeKey, Long> links = driver.getWindowStore(QueryStores.DEPENDENCY_LINKS);
    assertThat(links.fetch(FRONTEND_PAYMENT, T0.toEpochMilli())).isEqualTo(3L);
  }

  @Test
  void aPartialForAClosedWindowIsCountedLateWithEveryTraceAndEdgeInIt() {
    tracePartials.pipeInput(report(0, 95_000));
    tracePartials.pipeInput(report(1, 95_000));
    edgePartials.pipeInput(report(0, 95_000));
    edgePartials.pipeInput(report(1, 95_000));

    tracePartials.pipeInput(at("frontend", traces(100, 200), 20_000));
    edgePartials.pipeInput(at("frontend", calls(false, false, true), 20_000));

    assertThat(metrics.get("late.traces.frontend")).isEqualTo(2);
    assertThat(metrics.get("late.edges.frontend")).isEqualTo(3);
    assertThat(traceMetrics.isEmpty()).isTrue();
    assertThat(edges.isEmpty()).isTrue();
  }
}
