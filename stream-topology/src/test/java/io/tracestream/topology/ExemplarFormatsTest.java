package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.SeriesExemplars;
import io.tracestream.topology.model.SeriesKey;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden bytes of the formats that gained exemplars, and that each still reads its version before them. */
class ExemplarFormatsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String A = "0af7651916cd43dd8448eb211c80319c";
  private static final String B = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final long END = 1_700_000_000_000L;
  /** FormatsGoldenTest's window without its version: 1 error, 17 buckets, the bins. */
  private static final String BODY = "01" + "0001000000000001000000000000000000"
      + "fa01e202" + "00" + "02" + "e0ebf13a" + "400c000000000000" + "405e000000000000" + "02c10502";
  /** Three exemplars: per slot its index, duration (ns), end (zigzag ms), trace id (16 bytes after its length). */
  private static final String EXEMPLARS = "03"
      + "01" + "e0cfd501" + "80a0abfef962" + "20" + A // 3.5 ms in bucket 1 (le 4)
      + "07" + "809c9c39" + "c0c9b2fef962" + "20" + B // 120 ms in bucket 7 (le 200)
      + "11" + "809c9c39" + "c0c9b2fef962" + "20" + B; // slot 17: the error exemplar, the same span

  private static WindowAccumulator window() {
    WindowAccumulator w = WindowAccumulator.empty();
    w.add(3_500_000, false, 1, A, END);
    w.add(120_000_000, true, 1, B, END + 60_000);
    return w;
  }

  private static List<Exemplar> expected() {
    return List.of(new Exemplar(1, 0.0035, A, END, false), new Exemplar(7, 0.12, B, END + 60_000, false),
        new Exemplar(7, 0.12, B, END + 60_000, true));
  }

  @Test
  void aWindowWithExemplarsIsVersionTwo() {
    byte[] golden = HEX.parseHex("02" + BODY + EXEMPLARS);

    assertThat(HEX.formatHex(window().toBytes())).isEqualTo(HEX.formatHex(golden));
    assertThat(WindowAccumulator.fromBytes(golden).result(0, 60_000)).isEqualTo(window().result(0, 60_000));
    assertThat(WindowAccumulator.fromBytes(golden).result(0, 60_000).exemplars()).isEqualTo(expected());
  }

  @Test
  void aSpanPartialWithExemplarsIsVersionThreeWithAnEmptyDimensionCount() {
    byte[] golden = HEX.parseHex("03" + "08636865636b6f7574" + "09504f5354202f706179" + "0202" + "00"
        + BODY + EXEMPLARS);

    assertThat(HEX.formatHex(SpanPartial.write(new SpanPartial("checkout", "POST /pay", 2, 2, window()))))
        .isEqualTo(HEX.formatHex(golden));
    SpanPartial read = SpanPartial.read(golden);
    assertThat(List.of(read.service(), read.operation(), read.kind(), read.status()))
        .containsExactly("checkout", "POST /pay", 2, 2);
    assertThat(read.dimensions()).isEmpty();
    assertThat(read.window().result(0, 60_000)).isEqualTo(window().result(0, 60_000));
  }

  @Test
  void aSpanPartialWithDimensionsAndExemplarsKeepsBoth() {
    SpanPartial partial = new SpanPartial("checkout", "POST /pay", 2, 2, window(), Map.of("symbol", "AAPA"));

    SpanPartial read = SpanPartial.read(SpanPartial.write(partial));

    assertThat(read.dimensions()).containsExactly(Map.entry("symbol", "AAPA"));
    assertThat(read.window().result(0, 60_000).exemplars()).isEqualTo(expected());
  }

  @Test
  void anOpenPartialWithExemplarsIsVersionTwo() {
    byte[] golden = HEX.parseHex("02" + "80a0abfef962" + BODY + EXEMPLARS);
    SpanPreAggregator.OpenCodec codec = new SpanPreAggregator.OpenCodec();

    assertThat(HEX.formatHex(codec.write(new SpanPreAggregator.Open(window(), END)))).isEqualTo(HEX.formatHex(golden));
    SpanPreAggregator.Open read = codec.read(golden);
    assertThat(read.latestMs).isEqualTo(END);
    assertThat(read.window.result(0, 60_000)).isEqualTo(window().result(0, 60_000));
  }

  @Test
  void theVersionsBeforeExemplarsAreReadWithoutThem() {
    WindowAccumulator window = WindowAccumulator.fromBytes(HEX.parseHex("01" + BODY));
    SpanPartial partial = SpanPartial.read(HEX.parseHex("01" + "08636865636b6f7574" + "09504f5354202f706179"
        + "0202" + BODY));
    SpanPreAggregator.Open open = new SpanPreAggregator.OpenCodec().read(HEX.parseHex("01" + "80a0abfef962" + BODY));

    for (WindowAccumulator w : List.of(window, partial.window(), open.window)) {
      assertThat(w.count()).isEqualTo(2);
      assertThat(w.result(0, 60_000).exemplars()).isEmpty();
    }
  }

  @Test
  void exemplarsOfTheQueryStore() {
    byte[] golden = HEX.parseHex("01" + "08636865636b6f7574" + "09504f5354202f706179"
        + "10" + HEX.formatHex("SPAN_KIND_SERVER".getBytes()) + "11" + HEX.formatHex("STATUS_CODE_ERROR".getBytes())
        + "00" // no dimensions
        + "80a0abfef962" + "c0c9b2fef962" // window start and end (zigzag)
        + "02" + "07" + "809c9c39" + "20" + B + "c0c9b2fef962" + "00" // bucket, ns, id, end, not the error one
        + "07" + "809c9c39" + "20" + B + "c0c9b2fef962" + "01");
    SeriesExemplars exemplars = new SeriesExemplars(
        new SeriesKey("checkout", "POST /pay", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR"), END, END + 60_000,
        expected().subList(1, 3));

    assertThat(HEX.formatHex(Formats.writeExemplars(exemplars))).isEqualTo(HEX.formatHex(golden));
    assertThat(Formats.readExemplars(golden)).isEqualTo(exemplars);
  }
}
