package io.tracestream.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracestream.http.BearerAuth;
import io.tracestream.http.HttpLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admin ports answered /metrics and /api/... to anyone who could reach them (issue 17). */
class AdminAuthTest {
  private static final String TOKEN = "admin-token-0123456789";

  private final HttpClient client = HttpClient.newHttpClient();
  private AdminServer server;

  @BeforeEach
  void start() throws Exception {
    server = new AdminServer("127.0.0.1", 0, Optional.empty(), HttpLimits.DEFAULTS, Optional.of(BearerAuth.of(TOKEN)),
        () -> "secret_metric 1\n", () -> true, "");
    server.json("/api/things", () -> "[]");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void metricsReadinessAndApisNeedTheToken() throws Exception {
    for (String path : new String[] {"/metrics", "/health/ready", "/api/things"}) {
      HttpResponse<String> without = get(path, null);
      assertThat(without.statusCode()).as(path).isEqualTo(401);
      assertThat(without.headers().firstValue("WWW-Authenticate")).as(path).contains("Bearer");
      assertThat(without.body()).doesNotContain("secret_metric");
      assertThat(get(path, "Bearer wrong-token-0123456789").statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, "Bearer " + TOKEN).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void livenessStaysOpenForProbes() throws Exception {
    assertThat(get("/health/live", null).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
