package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.BytesDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link HeapStore} in a task: each input record is a list of operations ({@code put k v}, {@code append k v}
 * through {@link HeapStore#change}, {@code delete k}); the driver commits after each record, so the changelog
 * shows what each commit wrote.
 */
class HeapStoreTest {
  private static final String STORE = "heap";

  @TempDir
  Path stateDir;

  /** What the last record's processing saw: the store's entries and size after its operations. */
  private final Map<String, String> seen = new LinkedHashMap<>();
  private int seenSize;

  @Test
  void aCommitWritesEachChangedKeyOnceWithItsLastValue() {
    List<String> changelog = run("put a 1;append a 2;put b 1;delete b;put b 3;delete c;append d 1");

    assertThat(changelog).containsExactlyInAnyOrder("a=12", "b=3", "c=<deleted>");
    assertThat(seen).containsExactlyInAnyOrderEntriesOf(Map.of("a", "12", "b", "3"));
    assertThat(seenSize).isEqualTo(2);
  }

  @Test
  void aKeyNotChangedSinceTheLastCommitIsNotWrittenAgain() {
    List<String> changelog = run("put a 1;put b 1", "append a 2", "delete b;put c 1", "delete c");

    assertThat(changelog).containsExactly("a=1", "b=1", "a=12", "b=<deleted>", "c=1", "c=<deleted>");
    assertThat(seen).containsExactlyEntriesOf(Map.of("a", "12"));
    assertThat(seenSize).isEqualTo(1);
  }

  @Test
  void changeOfAKeyWithNoValueMarksNothing() {
    List<String> changelog = run("put a 1", "delete a;append a 2", "append b 1");

    assertThat(changelog).containsExactly("a=1", "a=<deleted>");
    assertThat(seen).isEmpty();
    assertThat(seenSize).isZero();
  }

  /** Sends one record per element of {@code commits} and returns the changelog, as {@code key=value}. */
  private List<String> run(String... commits) {
    Topology topology = new Topology();
    topology.addSource("in", new StringDeserializer(),
        new StringDeserializer(), "ops");
    topology.addProcessor("ops", Operations::new, "in");
    topology.addStateStore(HeapStore.builder(STORE, new Utf8(), new Utf8Builder()), "ops");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "heap-store-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    List<String> changelog = new ArrayList<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
      var input = driver.createInputTopic("ops", new StringSerializer(), new StringSerializer());
      var output = driver.createOutputTopic("heap-store-test-" + STORE + "-changelog", new BytesDeserializer(),
          new ByteArrayDeserializer());
      for (String ops : commits) {
        input.pipeInput("k", ops);
        for (TestRecord<Bytes, byte[]> r : output.readRecordsToList()) {
          String value = r.value() == null ? "<deleted>" : new String(r.value(), StandardCharsets.UTF_8);
          changelog.add(new String(r.key().get(), StandardCharsets.UTF_8) + "=" + value);
        }
      }
    }
    return changelog;
  }

  private final class Operations implements Processor<String, String, Void, Void> {
    private HeapStore<String, StringBuilder> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(STORE);
      store.reload();
    }

    @Override
    public void process(Record<String, String> record) {
      for (String op : record.value().split(";")) {
        String[] words = op.split(" ");
        switch (words[0]) {
          case "put" -> store.put(words[1], new StringBuilder(words[2]));
          case "append" -> {
            StringBuilder value = store.change(words[1]);
            if (value != null) {
              value.append(words[2]);
            }
          }
          case "delete" -> store.delete(words[1]);
          default -> throw new IllegalArgumentException(op);
        }
      }
      seen.clear();
      store.entries().forEach(e -> seen.put(e.getKey(), e.getValue().toString()));
      seenSize = store.size();
    }
  }

  private static final class Utf8 implements HeapStore.Codec<String> {
    @Override
    public byte[] write(String value) {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String read(byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static final class Utf8Builder implements HeapStore.Codec<StringBuilder> {
    @Override
    public byte[] write(StringBuilder value) {
      return value.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public StringBuilder read(byte[] bytes) {
      return new StringBuilder(new String(bytes, StandardCharsets.UTF_8));
    }
  }
}
