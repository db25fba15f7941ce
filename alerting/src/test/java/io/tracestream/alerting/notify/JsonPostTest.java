package io.tracestream.alerting.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhook URLs hold credentials: failures name scheme and host only. */
class JsonPostTest {
  private static final String SECRET = "T000/B000/XXXXSECRETXXXX";
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      // answers as some receivers do: an error that echoes the request path
      byte[] body = ("no such hook: " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aRefusedPostNamesTheUrlWithoutItsPath() {
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/services/" + SECRET);

    assertThatThrownBy(() -> new JsonPost(Duration.ofSeconds(5)).post(url, Map.of("text", "hi")))
        .isInstanceOf(DeliveryException.class)
        .hasMessageStartingWith("http://127.0.0.1:" + server.getAddress().getPort() + "/… answered 404")
        .hasMessageNotContaining("SECRET");
  }

  @Test
  void anUnreachableUrlIsNamedWithoutItsPathOrUserInfo() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    URI url = URI.create("http://user:SECRETPASS@127.0.0.1:" + closed + "/services/" + SECRET);

    assertThatThrownBy(() -> new JsonPost(Duration.ofSeconds(5)).post(url, Map.of("text", "hi")))
        .isInstanceOf(DeliveryException.class)
        .hasMessageStartingWith("http://127.0.0.1:" + closed + "/…: ")
        .hasMessageNotContaining("SECRET");
  }

  @Test
  void redactedUrlsKeepSchemeHostAndPort() {
    assertThat(Redacted.url(URI.create("https://hooks.slack.com/services/" + SECRET)))
        .isEqualTo("https://hooks.slack.com/…");
    assertThat(Redacted.url(URI.create("http://am:9093"))).isEqualTo("http://am:9093");
    assertThat(Redacted.url("not a url at all")).isEqualTo("<url>");
  }
}
