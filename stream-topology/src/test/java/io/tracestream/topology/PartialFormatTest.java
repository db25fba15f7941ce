package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.traces.Edge;
import io.tracestream.topology.traces.TraceSummary;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes of the records on the trace and edge partials' repartition topics: a change of either format
 * fails here, and must come with a new version byte (and an upgrade note in the README).
 */
class PartialFormatTest {
  private static final HexFormat HEX = HexFormat.of();
  /**
   * A {@link WindowAccumulator} of one value, 2 ms, not an error, as {@link WindowAccumulator#toBytes} writes it:
   * the window format's version 1, whose fields {@link FormatsGoldenTest} pins; here it is one opaque part.
   */
  private static final String ONE_VALUE_OF_2_MS = "01" + "00" // version, no errors
      + "01" + "00".repeat(16) // buckets: le=2 ms holds it
      + "8a01" + "01" + "00" + "01" // the sketch: offset (zigzag varint), one bin, no zeros, count 1
      + "80897a" + "4000000000000000".repeat(2) + "02"; // sum (ns), min and max (ms), the bin's count
  /**
   * The same as version 2 with the trace "t" as the exemplar of that bucket: one exemplar, slot 0, 2 ms in ns,
   * end 2 ms (zigzag), the id "t" (not hex: its UTF-8 length * 2 + 1, then the byte).
   */
  private static final String ONE_TRACE_OF_2_MS = "02" + ONE_VALUE_OF_2_MS.substring(2)
      + "01" + "00" + "80897a" + "04" + "03" + "74";
  /** The same of a failed call. */
  private static final String ONE_FAILED_OF_2_MS = "0101" + ONE_VALUE_OF_2_MS.substring(4);

  private static String utf8(String s) {
    return HEX.formatHex(s.getBytes(StandardCharsets.UTF_8));
  }

  private static TracePartial checkoutOf2Ms() {
    TracePartial partial = TracePartial.KIND.empty(List.of("frontend", "GET /"));
    TracePartial.add(partial.window(), new TraceSummary("t", "frontend", "GET /", false, 0, 2_000_000, 1, false,
        List.of("frontend")), 1);
    return partial;
  }

  private static EdgePartial failedCallFromUser() {
    EdgePartial partial = EdgePartial.KIND.empty(List.of("user", "frontend", "virtual_node"));
    partial.window().add(new Edge("user", "frontend", "virtual_node", true, Edge.MISSING_LATENCY, 2_000_000));
    return partial;
  }

  @Test
  void aTracePartialIsWrittenAsVersionOneWithItsSeriesAndAccumulator() {
    String golden = "01" // version
        + "00000008" + utf8("frontend") + "00000005" + utf8("GET /")
        + ONE_TRACE_OF_2_MS;

    assertThat(HEX.formatHex(TracePartial.SERDE.serializer().serialize("t", checkoutOf2Ms()))).isEqualTo(golden);
    TracePartial read = TracePartial.SERDE.deserializer().deserialize("t", HEX.parseHex(golden));
    assertThat(read.rootService()).isEqualTo("frontend");
    assertThat(read.rootOperation()).isEqualTo("GET /");
    assertThat(HEX.formatHex(read.window().toBytes())).isEqualTo(ONE_TRACE_OF_2_MS);
  }

  @Test
  void aTracePartialWrittenBeforeExemplarsIsReadWithoutThem() {
    String before = "01" + "00000008" + utf8("frontend") + "00000005" + utf8("GET /") + ONE_VALUE_OF_2_MS;

    TracePartial read = TracePartial.SERDE.deserializer().deserialize("t", HEX.parseHex(before));

    assertThat(read.window().count()).isEqualTo(1);
    assertThat(read.window().exemplars().isEmpty()).isTrue();
  }

  @Test
  void aTracePartialWithDimensionsIsWrittenAsVersionTwo() {
    TracePartial partial = TracePartial.kind(Dimensions.parse("k", "symbol"))
        .empty(List.of("frontend", "GET /", "symbol", "AAPA"));
    TracePartial.add(partial.window(), new TraceSummary("t", "frontend", "GET /", false, 0, 2_000_000, 1, false,
        List.of("frontend")), 1);
    String golden = "02" // version
        + "00000008" + utf8("frontend") + "00000005" + utf8("GET /")
        + "00000001" + "00000006" + utf8("symbol") + "00000004" + utf8("AAPA") // one dimension
        + ONE_TRACE_OF_2_MS;

    assertThat(HEX.formatHex(TracePartial.SERDE.serializer().serialize("t", partial))).isEqualTo(golden);
    TracePartial read = TracePartial.SERDE.deserializer().deserialize("t", HEX.parseHex(golden));
    assertThat(read.dimensions()).containsExactly(java.util.Map.entry("symbol", "AAPA"));
    assertThat(read.rootService()).isEqualTo("frontend");
    assertThat(HEX.formatHex(read.window().toBytes())).isEqualTo(ONE_TRACE_OF_2_MS);
  }

  @Test
  void anEdgePartialIsWrittenAsVersionOneWithItsSeriesCallsAndSides() {
    String window = "0000000000000001" + "0000000000000001" // calls, errors
        + "00000000" // no client side
        + "0000002c" + ONE_FAILED_OF_2_MS; // the server side: 44 bytes
    String golden = "01" // version
        + "00000004" + utf8("user") + "00000008" + utf8("frontend") + "0000000c" + utf8("virtual_node")
        + window;

    assertThat(HEX.formatHex(EdgePartial.SERDE.serializer().serialize("t", failedCallFromUser()))).isEqualTo(golden);
    EdgePartial read = EdgePartial.SERDE.deserializer().deserialize("t", HEX.parseHex(golden));
    assertThat(List.of(read.client(), read.server(), read.connectionType()))
        .containsExactly("user", "frontend", "virtual_node");
    assertThat(read.window().calls()).isEqualTo(1);
    assertThat(read.window().errors()).isEqualTo(1);
    assertThat(HEX.formatHex(read.window().toBytes())).isEqualTo(window);
  }

  @Test
  void anotherVersionIsRefusedNamingIt() {
    byte[] bytes = TracePartial.SERDE.serializer().serialize("t", checkoutOf2Ms());
    bytes[0] = 3;

    assertThatThrownBy(() -> TracePartial.SERDE.deserializer().deserialize("t", bytes))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("trace partial of format version 3");
  }
}
