package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.topology.traces.Edge;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EdgeWindowTest {
  private static Edge call(boolean failed, long clientNanos, long serverNanos) {
    return new Edge("a", "b", "", failed, clientNanos, serverNanos);
  }

  @Test
  void mergingPartialsGivesTheWindowOfAllTheirCallsAddedOneByOne() {
    EdgeWindow one = EdgeWindow.empty();
    one.add(call(false, Edge.MISSING_LATENCY, 3_000_000));
    EdgeWindow other = EdgeWindow.empty();
    other.add(call(true, 5_000_000, 4_000_000));
    other.add(call(false, 7_000_000, Edge.MISSING_LATENCY));
    EdgeWindow byHand = EdgeWindow.empty();
    byHand.add(call(false, Edge.MISSING_LATENCY, 3_000_000));
    byHand.add(call(true, 5_000_000, 4_000_000));
    byHand.add(call(false, 7_000_000, Edge.MISSING_LATENCY));

    one.merge(EdgeWindow.fromBytes(other.toBytes()));

    assertThat(one.calls()).isEqualTo(3);
    assertThat(one.errors()).isEqualTo(1);
    assertThat(HexFormat.of().formatHex(one.toBytes())).isEqualTo(HexFormat.of().formatHex(byHand.toBytes()));
  }

  @Test
  void aSideNoCallMeasuredHasNoResult() {
    EdgeWindow fromUser = EdgeWindow.empty();
    fromUser.add(call(false, Edge.MISSING_LATENCY, 2_000_000));
    fromUser.merge(EdgeWindow.empty());

    assertThat(fromUser.result(0, 60_000).client()).isNull();
    assertThat(fromUser.result(0, 60_000).server().count()).isEqualTo(1);
  }
}
