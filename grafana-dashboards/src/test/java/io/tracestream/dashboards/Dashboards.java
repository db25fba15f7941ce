package io.tracestream.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The shipped dashboards: their panels' queries and their template variables. */
final class Dashboards {
  static final Path DIR = Path.of(System.getProperty("dashboards.dir", ".")).resolve("dashboards");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One query of one panel. */
  record Query(String dashboard, String panel, String refId, String expr) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + " [" + refId + "]: " + expr;
    }
  }

  /** One query variable: {@code label_values(selector, label)}. */
  record Variable(String dashboard, String name, String query) {}

  private Dashboards() {}

  static List<Path> files() {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode read(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add); // panels inside a collapsed row
    }
    return panels;
  }

  static List<Query> queries() {
    List<Query> queries = new ArrayList<>();
    for (Path file : files()) {
      JsonNode dashboard = read(file);
      for (JsonNode panel : panels(dashboard)) {
        for (JsonNode target : panel.path("targets")) {
          queries.add(new Query(dashboard.path("title").asText(), panel.path("title").asText(),
              target.path("refId").asText(), target.path("expr").asText()));
        }
      }
    }
    return queries;
  }

  static List<Variable> variables() {
    List<Variable> variables = new ArrayList<>();
    for (Path file : files()) {
      JsonNode dashboard = read(file);
      for (JsonNode variable : dashboard.path("templating").path("list")) {
        if (variable.path("type").asText().equals("query")) {
          variables.add(new Variable(dashboard.path("title").asText(), variable.path("name").asText(),
              variable.path("query").path("query").asText(variable.path("definition").asText())));
        }
      }
    }
    return variables;
  }

  /** {@code expr} with Grafana's variables replaced by {@code values} and the built-in intervals. */
  static String substitute(String expr, Map<String, String> values, String rateInterval) {
    String result = expr.replace("$__rate_interval", rateInterval).replace("$__interval", rateInterval)
        .replace("$__range", rateInterval);
    for (Map.Entry<String, String> v : values.entrySet()) {
      result = result.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
    }
    return result;
  }
}
