package io.tracestream.topology.exporter;

import static io.tracestream.topology.exporter.Windows.MINUTE;
import static io.tracestream.topology.exporter.Windows.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tracestream.topology.model.EdgeKey;
import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.WindowResult;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class EdgeMetricsStateTest {
  private static final EdgeKey EXECUTION_RISK = new EdgeKey("execution", "risk-safety", "");
  private static final EdgeKey USER_BACKEND = new EdgeKey("user", "backend", "virtual_node");
  private static final String RISK = "client=\"execution\",server=\"risk-safety\",connection_type=\"\"";
  private static final String USER = "client=\"user\",server=\"backend\",connection_type=\"virtual_node\"";

  private final EdgeMetricsState state = new EdgeMetricsState();

  private static EdgeWindowResult edge(long end, long errors, WindowResult client, WindowResult server) {
    long calls = Math.max(client == null ? 0 : client.count(), server == null ? 0 : server.count());
    return new EdgeWindowResult(end - MINUTE, end, calls, errors, client, server);
  }

  @Test
  void anEdgeUnseenForTheExpiryIsForgotten() throws IOException {
    EdgeMetricsState expiring = new EdgeMetricsState(Duration.ofMinutes(30));
    expiring.apply(0, USER_BACKEND, edge(MINUTE, 0, null, window(MINUTE, 0, 0, 0, 400)));

    expiring.apply(0, EXECUTION_RISK, edge(40 * MINUTE, 0, window(40 * MINUTE, 0, 0, 0, 50), null));

    StringBuilder out = new StringBuilder();
    expiring.write(out);
    assertThat(out.toString()).contains(RISK).doesNotContain(USER);
  }

  private String text() throws IOException {
    StringBuilder out = new StringBuilder();
    state.write(out);
    return out.toString();
  }

  @Test
  void countersSumEveryWindowAndHistogramsAreInSeconds() throws IOException {
    state.apply(0, EXECUTION_RISK, edge(MINUTE, 1, window(MINUTE, 0, 0, 0, 50, 60), window(MINUTE, 0, 0, 0, 40, 45)));
    state.apply(0, EXECUTION_RISK, edge(2 * MINUTE, 2, window(2 * MINUTE, 0, 0, 0, 3_000, 70, 80),
        window(2 * MINUTE, 0, 0, 0, 2_900, 60, 70)));

    String text = text();

    assertThat(text).contains("traces_service_graph_request_total{" + RISK + "} 5\n")
        .contains("traces_service_graph_request_failed_total{" + RISK + "} 3\n")
        .contains("traces_service_graph_request_client_seconds_bucket{" + RISK + ",le=\"0.05\"} 1\n")
        .contains("traces_service_graph_request_client_seconds_bucket{" + RISK + ",le=\"0.1\"} 4\n")
        .contains("traces_service_graph_request_client_seconds_bucket{" + RISK + ",le=\"+Inf\"} 5\n")
        .contains("traces_service_graph_request_client_seconds_sum{" + RISK + "} 3.26\n")
        .contains("traces_service_graph_request_server_seconds_count{" + RISK + "} 5\n");
    assertThat(ExpositionCheck.problems(text)).isEmpty();
  }

  @Test
  void aSideNoSpanMeasuredHasNoHistogramSamples() throws IOException {
    state.apply(0, USER_BACKEND, edge(MINUTE, 0, null, window(MINUTE, 0, 0, 0, 400)));

    String text = text();

    assertThat(text).contains("traces_service_graph_request_total{" + USER + "} 1\n")
        .contains("traces_service_graph_request_server_seconds_count{" + USER + "} 1\n")
        .doesNotContain("traces_service_graph_request_client_seconds");
    assertThat(ExpositionCheck.problems(text)).isEmpty();
  }

  @Test
  void aRevokedPartitionsEdgesAreForgotten() throws IOException {
    state.apply(3, EXECUTION_RISK, edge(MINUTE, 0, window(MINUTE, 0, 0, 0, 50), window(MINUTE, 0, 0, 0, 40)));

    state.dropPartitions(List.of(3));

    assertThat(text()).isEmpty();
  }

  @Test
  void refusesResultsThatAreNotAWindowsCounts() {
    WindowResult one = window(MINUTE, 0, 0, 0, 50);
    assertThatThrownBy(() -> state.apply(0, EXECUTION_RISK, new EdgeWindowResult(0, MINUTE, 1, 2, one, one)))
        .hasMessageContaining("errors 2");
    assertThatThrownBy(() -> state.apply(0, EXECUTION_RISK, new EdgeWindowResult(0, MINUTE, 0, 0, one, one)))
        .hasMessageContaining("calls 0");
    WindowResult two = window(MINUTE, 0, 0, 0, 50, 60);
    assertThatThrownBy(() -> state.apply(0, EXECUTION_RISK, new EdgeWindowResult(0, MINUTE, 1, 0, two, null)))
        .hasMessageContaining("2 spans for 1 calls");
    assertThatThrownBy(() -> state.apply(0, new EdgeKey("a", null, ""), edge(MINUTE, 0, one, one)))
        .hasMessageContaining("lacks a dimension");
  }
}
