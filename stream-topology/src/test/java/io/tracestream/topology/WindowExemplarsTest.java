package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.topology.model.Exemplar;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowExemplarsTest {
  private static final String A = "0af7651916cd43dd8448eb211c80319c";
  private static final String B = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String C = "f0000000000000000000000000000001";

  /** One span: duration (ns), error, trace id, end. */
  private record Span(long nanos, boolean error, String traceId, long endMs) {}

  private static WindowAccumulator of(List<Span> spans) {
    WindowAccumulator w = WindowAccumulator.empty();
    spans.forEach(s -> w.add(s.nanos, s.error, 1, s.traceId, s.endMs));
    return w;
  }

  @Test
  void eachBucketKeepsItsSlowestSpanAndTheSlowestErrorIsKeptApart() {
    WindowAccumulator w = of(List.of(new Span(3_000_000, false, A, 1), new Span(3_900_000, false, B, 2),
        new Span(1_000_000, true, C, 3), new Span(150_000_000, false, A, 4)));

    assertThat(w.result(0, 60_000).exemplars()).containsExactly(
        new Exemplar(0, 0.001, C, 3, false), new Exemplar(1, 0.0039, B, 2, false),
        new Exemplar(7, 0.15, A, 4, false), new Exemplar(0, 0.001, C, 3, true));
  }

  @Test
  void equalDurationsKeepTheGreaterTraceIdWhateverTheOrder() {
    List<Span> spans = List.of(new Span(3_000_000, true, A, 1), new Span(3_000_000, true, C, 1),
        new Span(3_000_000, true, B, 1));

    assertThat(of(spans).result(0, 1).exemplars()).extracting(Exemplar::traceId).containsOnly(C);
    List<Span> reversed = new ArrayList<>(spans);
    Collections.reverse(reversed);
    assertThat(of(reversed).result(0, 1).exemplars()).extracting(Exemplar::traceId).containsOnly(C);
  }

  @Test
  void partialsMergedInAnyOrderGiveTheSameExemplars() {
    Random random = new Random(7);
    List<Span> spans = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      long nanos = (long) (Math.exp(random.nextDouble() * 9) * 1e5) / 1000 * 1000; // ties in the same bucket
      spans.add(new Span(nanos, random.nextInt(20) == 0, String.format("%032x", random.nextInt(500)),
          random.nextInt(60_000)));
    }
    List<Exemplar> expected = of(spans).result(0, 60_000).exemplars();

    for (int round = 0; round < 5; round++) {
      Collections.shuffle(spans, random);
      List<WindowAccumulator> partials = new ArrayList<>();
      for (int i = 0; i < spans.size(); i += 400) {
        partials.add(of(spans.subList(i, Math.min(spans.size(), i + 400))));
      }
      Collections.shuffle(partials, random);
      WindowAccumulator merged = WindowAccumulator.empty();
      partials.forEach(p -> merged.merge(WindowAccumulator.fromBytes(p.toBytes())));

      assertThat(merged.result(0, 60_000).exemplars()).isEqualTo(expected);
    }
    assertThat(expected).hasSizeLessThanOrEqualTo(WindowExemplars.BUCKETS + 1);
  }

  @Test
  void aSampledSpanIsAnExemplarWithItsOwnDuration() {
    WindowAccumulator w = WindowAccumulator.empty();
    w.add(40_000_000, false, 10, A, 5);

    assertThat(w.count()).isEqualTo(10);
    assertThat(w.result(0, 1).exemplars()).containsExactly(new Exemplar(5, 0.04, A, 5, false));
  }

  @Test
  void aSpanWithoutAValidTraceIdIsCountedButNoExemplar() {
    WindowAccumulator w = WindowAccumulator.empty();
    w.add(40_000_000, true, 1, null, 5);

    assertThat(w.count()).isEqualTo(1);
    assertThat(w.result(0, 1).exemplars()).isEmpty();
    assertThat(w.toBytes()[0]).as("no exemplars: version 1, as before").isEqualTo((byte) 1);
  }
}
