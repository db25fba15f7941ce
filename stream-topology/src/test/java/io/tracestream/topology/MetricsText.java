package io.tracestream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a topology instance's admin port over plain http: its /metrics samples and /api/dependencies. */
final class MetricsText {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private MetricsText() {}

  static String scrape(TopologyApp app) {
    return get(app, "/metrics").body();
  }

  /** The value of the sample of {@code name} whose labels include all of {@code labels} (a comma-separated list). */
  static OptionalDouble value(String text, String name, String labels) {
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      String have = m.group(3) == null ? "" : m.group(3);
      if (m.group(1).equals(name)
          && (labels.isEmpty() || Arrays.stream(labels.split(",(?=[a-z_]+=)")).allMatch(have::contains))) {
        return OptionalDouble.of(Double.parseDouble(m.group(4)));
      }
    }
    return OptionalDouble.empty();
  }

  /** Every sample of {@code name}: its labels (in the order written) to its value. */
  static Map<Map<String, String>, Double> samples(String text, String name) {
    Map<Map<String, String>, Double> samples = new LinkedHashMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        Map<String, String> labels = new LinkedHashMap<>();
        Matcher l = LABEL.matcher(m.group(3) == null ? "" : m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
        samples.put(labels, Double.parseDouble(m.group(4)));
      }
    }
    return samples;
  }

  /** Every sample whose metric name starts with {@code prefix}, as {@code name{labels}} to value. */
  static Map<String, Double> startingWith(String text, String prefix) {
    Map<String, Double> found = new TreeMap<>();
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (m.group(1).startsWith(prefix)) {
        found.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(4)));
      }
    }
    return found;
  }

  /** {@code parent->child} to callCount over the last hour; empty while the instance answers other than 200. */
  static Map<String, Long> dependencies(TopologyApp app) {
    HttpResponse<String> response = get(app, "/api/dependencies?endTs=" + System.currentTimeMillis()
        + "&lookback=" + Duration.ofHours(1).toMillis());
    Map<String, Long> links = new TreeMap<>();
    if (response.statusCode() != 200) {
      return links;
    }
    try {
      for (JsonNode link : JSON.readTree(response.body()).path("data")) {
        links.put(link.path("parent").asText() + "->" + link.path("child").asText(), link.path("callCount").asLong());
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return links;
  }

  private static HttpResponse<String> get(TopologyApp app, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.adminPort() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
