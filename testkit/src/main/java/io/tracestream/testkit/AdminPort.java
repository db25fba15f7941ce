package io.tracestream.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a tracestream process's plain-http admin port: {@code /metrics} and the Jaeger-style query API. */
public final class AdminPort {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private AdminPort() {}

  /** The answer's status and body. */
  public static HttpResponse<String> get(int port, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The Prometheus text of {@code /metrics}. */
  public static String scrape(int port) {
    return get(port, "/metrics").body();
  }

  /** The sum of every sample of {@code name}, whatever its labels; 0 when there is none. */
  public static double sum(String exposition, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(exposition);
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(1));
    }
    return sum;
  }

  /** Samples of {@code name} by their label text ({@code reason="missing_parent"}), for messages. */
  public static Map<String, Double> samples(String exposition, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)})? (\\S+)$").matcher(exposition);
    Map<String, Double> out = new TreeMap<>();
    while (m.find()) {
      out.put(m.group(1) == null ? "" : m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }

  /**
   * {@code /api/dependencies} over the edge windows starting in [endTs - lookback, endTs]:
   * {@code "parent->child"} to callCount; empty while the instance does not answer 200.
   */
  public static Map<String, Long> dependencies(int port, long endTs, Duration lookback) {
    HttpResponse<String> response = get(port, "/api/dependencies?endTs=" + endTs + "&lookback=" + lookback.toMillis());
    Map<String, Long> links = new TreeMap<>();
    if (response.statusCode() != 200) {
      return links;
    }
    try {
      for (JsonNode link : JSON.readTree(response.body()).path("data")) {
        links.put(link.path("parent").asText() + "->" + link.path("child").asText(), link.path("callCount").asLong());
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return links;
  }
}
