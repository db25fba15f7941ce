package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.traces.TraceSpan;
import io.tracestream.topology.traces.TraceSummary;
import io.tracestream.topology.traces.UnpairedReason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The bytes of every internal topic's and store's format (README, "Formats and upgrades"), pinned: a
 * change here is a new format version, with a read path for the old one or a migration step.
 * Each format: a fixed value to its exact bytes and back, and bytes of the format before versions to
 * the same value (or a clear error).
 */
class FormatsGoldenTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final long START = 1_700_000_000_000_000_000L;

  /** Also what the legacy batches hold. */
  private static final TraceSpan ROOT = LegacyFormats.span(TRACE);
  private static final TraceSpan QUERY = new TraceSpan(TRACE, "00f067aa0ba902b7", "b7ad6b7169203331", "frontend",
      "SELECT", 3, true, START + 1_000_000, START + 3_000_000, Map.of("db.system", "postgresql", "db.name", "orders"),
      List.of(new TraceSpan.LinkRef("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")));

  private static byte[] hex(String... lines) {
    return HEX.parseHex(String.join("", lines));
  }

  private static WindowAccumulator window() {
    WindowAccumulator w = WindowAccumulator.empty();
    w.add(3.5, false);
    w.add(120, true);
    return w;
  }

  /** Accumulators have no equals: compare what they make of a window. */
  private static void assertSameWindow(WindowAccumulator actual, WindowAccumulator expected) {
    assertThat(actual.result(0, 60_000)).isEqualTo(expected.result(0, 60_000));
  }

  @Test
  void spanBatchOfTheRepartitionTopic() {
    TraceSpans batch = new TraceSpans(TRACE, List.of(ROOT, QUERY), true);
    byte[] golden = hex(
        "0101", "200af7651916cd43dd8448eb211c80319c", // version 1, rekey; trace id: 16 bytes
        "09", "0866726f6e74656e64", "05474554202f", "0c706565722e73657276696365", "0461757468", // 9 strings
        "0653454c454354", "0964622e73797374656d", "0a706f737467726573716c", "0764622e6e616d65", "066f7264657273",
        "02", "8080a8b1e39fe7cb17", // 2 spans; the first one's start
        "28", "10b7ad6b7169203331", "00", "0001", "00", "80ade204", "010203", // kind 2, attributes; no parent
        "3e", "1000f067aa0ba902b7", "10b7ad6b7169203331", "0004", "80897a", "8092f401", "0205060708", // error, link
        "01", "204bf92f3577b34da6a3ce929d0e0e4736", "1000f067aa0ba902b7");

    assertThat(HEX.formatHex(TraceSpans.write(batch))).isEqualTo(HEX.formatHex(golden));
    assertThat(TraceSpans.read(golden)).isEqualTo(batch);
  }

  @Test
  void spanBatchOfTheAssemblyStoreIsTheTopicsFormatWithoutRekey() {
    byte[] golden = hex(
        "0100", "200af7651916cd43dd8448eb211c80319c", // version 1, no rekey; trace id: 16 bytes
        "09", "0866726f6e74656e64", "05474554202f", "0c706565722e73657276696365", "0461757468", // 9 strings
        "0653454c454354", "0964622e73797374656d", "0a706f737467726573716c", "0764622e6e616d65", "066f7264657273",
        "02", "8080a8b1e39fe7cb17", // 2 spans; the first one's start
        "28", "10b7ad6b7169203331", "00", "0001", "00", "80ade204", "010203", // kind 2, attributes; no parent
        "3e", "1000f067aa0ba902b7", "10b7ad6b7169203331", "0004", "80897a", "8092f401", "0205060708", // error, link
        "01", "204bf92f3577b34da6a3ce929d0e0e4736", "1000f067aa0ba902b7");

    assertThat(HEX.formatHex(TraceSpans.writeStored(TRACE, List.of(ROOT, QUERY)))).isEqualTo(HEX.formatHex(golden));
    assertThat(TraceSpans.readStored(golden)).containsExactly(ROOT, QUERY);
  }

  @Test
  void spansOutsideTheUsualShapeComeBackAsTheyWere() {
    // another trace's span, ids that are not lowercase hex, attribute keys trace assembly does not keep,
    // an unknown kind, an end before the start
    TraceSpan odd = new TraceSpan("4bf92f3577b34da6a3ce929d0e0e4736", "ABC", "0", "billing", "charge", -7, false,
        START, START - 10, Map.of("zeta", "1", "alpha", "2", "peer.service", "x", "db.name", "y"),
        List.of(new TraceSpan.LinkRef("", "not hex")));
    TraceSpans batch = new TraceSpans(TRACE, List.of(ROOT, odd), false);

    assertThat(TraceSpans.read(TraceSpans.write(batch))).isEqualTo(batch);
  }

  @Test
  void spanPartial() {
    byte[] golden = hex("01", "08636865636b6f7574", "09504f5354202f706179", "0202", // service, operation, kind, status
        "01", "0001000000000001000000000000000000", // the window without its version: 1 error, 17 buckets
        "fa01e202", "00", "02", "e0ebf13a", "400c000000000000", "405e000000000000", // bins: offset 125, 354, sum ns
        "02c10502"); // 1 in the first bin, 352 empty, 1

    byte[] written = SpanPartial.write(new SpanPartial("checkout", "POST /pay", 2, 2, window()));
    assertThat(HEX.formatHex(written)).isEqualTo(HEX.formatHex(golden));
    SpanPartial read = SpanPartial.read(golden);
    assertThat(List.of(read.service(), read.operation(), read.kind(), read.status()))
        .containsExactly("checkout", "POST /pay", 2, 2);
    assertSameWindow(read.window(), window());
  }

  @Test
  void spanPartialWithDimensionsIsVersionTwo() {
    byte[] golden = hex("02", "08636865636b6f7574", "09504f5354202f706179", "0202", // service, operation, kind, status
        "02", "0a6465706c6f796d656e74", "0470726f64", "0673796d626f6c", "0441415041", // 2 dimensions, sorted
        "01", "0001000000000001000000000000000000",
        "fa01e202", "00", "02", "e0ebf13a", "400c000000000000", "405e000000000000",
        "02c10502");

    SpanPartial partial = new SpanPartial("checkout", "POST /pay", 2, 2, window(),
        Map.of("symbol", "AAPA", "deployment", "prod"));
    assertThat(HEX.formatHex(SpanPartial.write(partial))).isEqualTo(HEX.formatHex(golden));
    SpanPartial read = SpanPartial.read(golden);
    assertThat(read.dimensions()).containsExactly(Map.entry("deployment", "prod"), Map.entry("symbol", "AAPA"));
    assertThat(List.of(read.service(), read.operation(), read.kind(), read.status()))
        .containsExactly("checkout", "POST /pay", 2, 2);
    assertSameWindow(read.window(), window());
  }

  @Test
  void aSpanPartialOfVersionOneIsReadWithoutDimensions() {
    byte[] v1 = SpanPartial.write(new SpanPartial("checkout", "POST /pay", 2, 2, window()));

    assertThat(v1[0]).isEqualTo((byte) 1);
    assertThat(SpanPartial.read(v1).dimensions()).isEmpty();
  }

  @Test
  void windowOfTheSpanWindowStore() {
    byte[] golden = hex("01", "01", "0001000000000001000000000000000000", // version, 1 error, 17 buckets
        "fa01e202", "00", "02", "e0ebf13a", "400c000000000000", "405e000000000000", // bins: offset 125, 354, sum ns
        "02c10502"); // 1 in the first bin, 352 empty, 1

    assertThat(HEX.formatHex(window().toBytes())).isEqualTo(HEX.formatHex(golden));
    assertSameWindow(WindowAccumulator.fromBytes(golden), window());
  }

  @Test
  void openPartialOfTheHeapStore() {
    byte[] golden = hex("01", "80a0abfef962", // latest span end
        "01", "0001000000000001000000000000000000", // the window without its version: 1 error, 17 buckets
        "fa01e202", "00", "02", "e0ebf13a", "400c000000000000", "405e000000000000", // bins: offset 125, 354, sum ns
        "02c10502"); // 1 in the first bin, 352 empty, 1
    SpanPreAggregator.OpenCodec codec = new SpanPreAggregator.OpenCodec();

    byte[] written = codec.write(new SpanPreAggregator.Open(window(), 1_700_000_000_000L));
    assertThat(HEX.formatHex(written)).isEqualTo(HEX.formatHex(golden));
    SpanPreAggregator.Open read = codec.read(golden);
    assertThat(read.latestMs).isEqualTo(1_700_000_000_000L);
    assertSameWindow(read.window, window());
  }

  @Test
  void storedLong() {
    byte[] golden = hex("01", "0000018bcfe56800");

    assertThat(HEX.formatHex(Formats.writeLong(1_700_000_000_000L))).isEqualTo(HEX.formatHex(golden));
    assertThat(Formats.readLong(golden)).isEqualTo(1_700_000_000_000L);
  }

  @Test
  void traceSummaryOfTheQueryStore() {
    TraceSummary summary = new TraceSummary(TRACE, "frontend", "GET /", false, START, 5_000_000, 2, true,
        List.of("frontend", "postgresql"));
    byte[] golden = hex("01", "200af7651916cd43dd8448eb211c80319c", "0866726f6e74656e64", "05474554202f",
        "02", "8080a8b1e39fe7cb17", "c096b102", "02", // flags (error), start, duration, spans
        "02", "0866726f6e74656e64", "0a706f737467726573716c");

    assertThat(HEX.formatHex(Formats.writeSummary(summary))).isEqualTo(HEX.formatHex(golden));
    assertThat(Formats.readSummary(golden)).isEqualTo(summary);
  }

  @Test
  void traceSummaryWithDimensionAttributesIsVersionTwo() {
    TraceSummary summary = new TraceSummary(TRACE, "frontend", "GET /", false, START, 5_000_000, 2, true,
        List.of("frontend"), Map.of("symbol", "AAPA"));
    byte[] golden = hex("02", "200af7651916cd43dd8448eb211c80319c", "0866726f6e74656e64", "05474554202f",
        "02", "8080a8b1e39fe7cb17", "c096b102", "02", // flags (error), start, duration, spans
        "01", "0866726f6e74656e64", // services
        "01", "0673796d626f6c", "0441415041"); // attributes

    assertThat(HEX.formatHex(Formats.writeSummary(summary))).isEqualTo(HEX.formatHex(golden));
    assertThat(Formats.readSummary(golden)).isEqualTo(summary);
  }

  @Test
  void edgeKeyOfTheDependencyLinksStore() {
    EdgeKey key = new EdgeKey("frontend", "orders", "database");
    byte[] golden = hex("01", "0866726f6e74656e64", "066f7264657273", "086461746162617365");

    assertThat(HEX.formatHex(Formats.writeEdgeKey(key))).isEqualTo(HEX.formatHex(golden));
    assertThat(Formats.readEdgeKey(golden)).isEqualTo(key);
  }

  @Test
  void heldTraceOfTheAssemblyTracesStore() {
    HeldTrace trace = new HeldTrace(1_000, 2_000, 3_000, List.of(new byte[] {1, 2}, new byte[] {3}));
    trace.deadline = 12_000;
    trace.rejoinExpiry = 18_000;
    trace.spans = 5;
    trace.unpaired = Map.of(UnpairedReason.MISSING_PARENT, 2);
    byte[] golden = hex("01", "d00f", "a01f", "f02e", "c0bb01", "ffffffffffffffffff01", "a09902", // times
        "05", "01", "0e6d697373696e675f706172656e74", "02", // spans, unpaired: reason and count
        "02", "020102", "0103"); // batches

    assertThat(HEX.formatHex(HeldTrace.VALUE.write(trace))).isEqualTo(HEX.formatHex(golden));
    HeldTrace read = HeldTrace.VALUE.read(golden);
    assertThat(List.of(read.firstEventMs, read.lastEventMs, read.lastWallMs, read.deadline, read.wallDeadline,
        read.rejoinExpiry)).containsExactly(1_000L, 2_000L, 3_000L, 12_000L, Long.MIN_VALUE, 18_000L);
    assertThat(read.spans).isEqualTo(5);
    assertThat(read.unpaired).isEqualTo(trace.unpaired);
    assertThat(read.batches).containsExactly(new byte[] {1, 2}, new byte[] {3});
  }

  @Test
  void traceMetaAndUnpairedSpansOfTheAssemblyStoreBeforeTracesWereHeldOnTheHeap() {
    byte[] meta = hex("02", "00000000000003e8", "00000000000007d0", "0000000000000bb8", "0000000000002ee0",
        "8000000000000000", "00000005", "00000002"); // version 2, 5 times, spans, batches
    byte[] unpaired = hex("01", "00000002", "00000000".repeat(4), "00000001", "00000000".repeat(2)); // per reason

    assertThat(LegacyAssemblyState.Meta.read(meta))
        .isEqualTo(new LegacyAssemblyState.Meta(1_000, 2_000, 3_000, 12_000, Long.MIN_VALUE, 5, 2));
    assertThat(LegacyAssemblyState.readUnpaired(unpaired)).isEqualTo(
        Map.of(UnpairedReason.CLIENT_WITHOUT_SERVER, 2, UnpairedReason.MISSING_PARENT, 1));
  }

  // The formats before versions (DataOutputStream, fixed-width fields, JSON), as the topology wrote them
  // up to this change: read, so an upgraded topology goes on with the records in flight and its state.

  @Test
  void spanBatchOfTheRepartitionTopicBeforeVersionsIsRead() {
    assertThat(TraceSpans.read(LegacyFormats.spansByTrace(TRACE)))
        .isEqualTo(new TraceSpans(TRACE, List.of(ROOT), true));
  }

  @Test
  void spanBatchOfTheAssemblyStoreBeforeVersionsIsRead() {
    assertThat(TraceSpans.readStored(LegacyFormats.storedSpans(TRACE))).containsExactly(ROOT);
  }

  @Test
  void windowPartialAndOpenPartialBeforeVersionsAreRead() {
    String window = LegacyFormats.window();
    WindowAccumulator oneSpan = LegacyFormats.oneSpanWindow();

    assertSameWindow(WindowAccumulator.fromBytes(hex(window)), oneSpan);
    SpanPartial partial = SpanPartial.read(LegacyFormats.spanPartial());
    assertThat(List.of(partial.service(), partial.operation(), partial.kind(), partial.status()))
        .containsExactly("checkout", "POST /pay", 2, 2);
    assertSameWindow(partial.window(), oneSpan);
    SpanPreAggregator.Open open = new SpanPreAggregator.OpenCodec().read(hex("0000018bcfe56800", window));
    assertThat(open.latestMs).isEqualTo(1_700_000_000_000L);
    assertSameWindow(open.window, oneSpan);
  }

  @Test
  void storedLongBeforeVersionsIsRead() {
    assertThat(Formats.readLong(hex("0000018bcfe56800"))).isEqualTo(1_700_000_000_000L);
  }

  @Test
  void jsonOfTheQueryStoresBeforeVersionsIsRead() {
    byte[] summary = ("{\"traceId\":\"" + TRACE + "\",\"rootService\":\"frontend\",\"rootOperation\":\"GET /\","
        + "\"rootMissing\":false,\"startNanos\":" + START + ",\"durationNanos\":5000000,\"spanCount\":2,"
        + "\"error\":true,\"services\":[\"frontend\",\"postgresql\"]}").getBytes(StandardCharsets.UTF_8);
    byte[] edge = "{\"client\":\"frontend\",\"server\":\"orders\",\"connectionType\":\"database\"}"
        .getBytes(StandardCharsets.UTF_8);

    assertThat(Formats.readSummary(summary)).isEqualTo(new TraceSummary(TRACE, "frontend", "GET /", false, START,
        5_000_000, 2, true, List.of("frontend", "postgresql")));
    assertThat(Formats.readEdgeKey(edge)).isEqualTo(new EdgeKey("frontend", "orders", "database"));
  }

  @Test
  void aFormatVersionThisVersionDoesNotKnowFailsNamingTheMigration() {
    byte[] newer = hex("04", "0101200af7651916cd43dd8448eb211c80319c");

    for (Runnable read : List.<Runnable>of(() -> TraceSpans.read(newer), () -> TraceSpans.readStored(newer),
        () -> SpanPartial.read(newer), () -> WindowAccumulator.fromBytes(newer), () -> Formats.readSummary(newer),
        () -> Formats.readEdgeKey(newer), () -> Formats.readLong(hex("040000018bcfe56800")),
        () -> LegacyAssemblyState.readUnpaired(newer))) {
      assertThatThrownBy(read::run).isInstanceOf(SerializationException.class)
          .hasMessageContaining("format version 4")
          .hasMessageContaining("stream-topology/README.md, \"Formats and upgrades\"");
    }
  }

  @Test
  void truncatedBytesAreASerializationError() {
    byte[] golden = TraceSpans.write(new TraceSpans(TRACE, List.of(ROOT, QUERY), false));

    assertThatThrownBy(() -> TraceSpans.read(Arrays.copyOf(golden, golden.length - 3)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> Formats.readSummary(hex("01", "20")))
        .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
  }
}
