package io.tracestream.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  private static final String METRICS = "# TYPE spans_received counter\nspans_received 42\n";

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private AdminServer server;

  @BeforeEach
  void start() throws IOException {
    server = new AdminServer("127.0.0.1", 0, () -> METRICS, ready::get, "kafka unreachable");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void listensOnAnOsAssignedPortWhenAskedForPortZero() {
    assertThat(server.port()).isPositive();
  }

  @Test
  void metricsReturnsTheSuppliersTextInPrometheusFormat() throws Exception {
    HttpResponse<String> response = get("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(METRICS);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
  }

  @Test
  void metricsAnswersOpenMetricsToARequestThatPrefersIt() throws Exception {
    server.openMetrics(() -> "# TYPE spans_received counter\nspans_received_total 42\n# EOF\n");
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).header("Accept", "application/openmetrics-text; version=1.0.0").build();

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.body()).endsWith("# EOF\n");
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(get("/metrics").body()).as("no Accept: the Prometheus text format").isEqualTo(METRICS);
  }

  @Test
  void acceptPrefersOpenMetricsOnlyWhenItRanksAtLeastAsHighAsText() {
    assertThat(AdminServer.prefersOpenMetrics("application/openmetrics-text; version=1.0.0")).isTrue();
    assertThat(AdminServer.prefersOpenMetrics("application/openmetrics-text;version=1.0.0,"
        + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")).isTrue();
    assertThat(AdminServer.prefersOpenMetrics("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5"))
        .isFalse();
    assertThat(AdminServer.prefersOpenMetrics("application/openmetrics-text;version=0.0.1")).isFalse();
    assertThat(AdminServer.prefersOpenMetrics("application/openmetrics-text;q=0")).isFalse();
    assertThat(AdminServer.prefersOpenMetrics("application/openmetrics-text;q=high")).isFalse();
    assertThat(AdminServer.prefersOpenMetrics(null)).isFalse();
    assertThat(AdminServer.prefersOpenMetrics("*/*")).isFalse();
  }

  @Test
  void liveIsAlwaysOk() throws Exception {
    ready.set(false);

    assertThat(get("/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void readyIsOkWhenTheSupplierSaysReady() throws Exception {
    HttpResponse<String> response = get("/health/ready");

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void readyIs503WithTheReasonWhenTheSupplierSaysNotReady() throws Exception {
    ready.set(false);

    HttpResponse<String> response = get("/health/ready");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).contains("kafka unreachable");
  }

  @Test
  void theNotReadyReasonIsAskedAtEachRequest() throws Exception {
    ready.set(false);
    java.util.concurrent.atomic.AtomicInteger restored = new java.util.concurrent.atomic.AtomicInteger(10);
    server.notReadyReason(() -> "restoring: " + restored.get() + " %");
    assertThat(get("/health/ready").body()).isEqualTo("not ready: restoring: 10 %\n");

    restored.set(70);

    assertThat(get("/health/ready").body()).isEqualTo("not ready: restoring: 70 %\n");
  }

  @Test
  void readyFollowsTheSupplierOnEveryRequest() throws Exception {
    ready.set(false);
    assertThat(get("/health/ready").statusCode()).isEqualTo(503);

    ready.set(true);

    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10))
        .GET()
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
