package io.tracestream.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What Grafana needs of a provisioned dashboard, checked on every shipped file. */
class DashboardsTest {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([a-zA-Z_][a-zA-Z0-9_]*)");

  @Test
  void theSixDashboardsAreShipped() {
    assertThat(Dashboards.files()).extracting(p -> p.getFileName().toString()).contains("service-overview.json",
        "operation.json", "trace-sla.json", "service-graph.json", "alerts.json", "pipeline-health.json");
  }

  @Test
  void theSpanAndTraceDashboardsFilterByAnyDimensionThroughAnAdHocVariable() {
    for (Path file : Dashboards.files()) {
      String name = file.getFileName().toString();
      if (!List.of("service-overview.json", "operation.json", "trace-sla.json").contains(name)) {
        continue;
      }
      JsonNode adhoc = null;
      for (JsonNode v : Dashboards.read(file).path("templating").path("list")) {
        if (v.path("type").asText().equals("adhoc")) {
          adhoc = v;
        }
      }
      assertThat(adhoc).as(name + " ad hoc variable").isNotNull();
      assertThat(adhoc.path("name").asText()).isEqualTo("dimensions");
      assertThat(adhoc.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
    }
  }

  @Test
  void everyDashboardHasAStableUniqueUidAndACurrentSchema() {
    Set<String> uids = new HashSet<>();
    for (Path file : Dashboards.files()) {
      JsonNode d = Dashboards.read(file);
      assertThat(d.path("uid").asText()).as(file + " uid").matches("tracestream-[a-z-]+").hasSizeLessThanOrEqualTo(40);
      assertThat(uids.add(d.path("uid").asText())).as(file + " uid is unique").isTrue();
      assertThat(d.path("schemaVersion").asInt()).as(file + " schemaVersion").isGreaterThanOrEqualTo(39);
      assertThat(d.path("title").asText()).as(file + " title").startsWith("tracestream / ");
    }
  }

  @Test
  void everyPanelQueriesThroughTheDatasourceVariableAndNoHardCodedUid() throws Exception {
    for (Path file : Dashboards.files()) {
      JsonNode d = Dashboards.read(file);
      assertThat(d.path("templating").path("list").get(0).path("type").asText()).as(file + " first variable")
          .isEqualTo("datasource");
      List<String> uids = new ArrayList<>();
      d.findValues("datasource").forEach(ds -> {
        if (ds.isObject()) {
          uids.add(ds.path("uid").asText());
        }
      });
      assertThat(uids).as(file + " datasource uids").isNotEmpty().containsOnly("${datasource}");
      for (JsonNode panel : Dashboards.panels(d)) {
        assertThat(panel.path("targets")).as(file + " / " + panel.path("title") + " targets").isNotEmpty();
        assertThat(panel.path("gridPos").path("w").asInt()).as(file + " / " + panel.path("title") + " width")
            .isBetween(1, 24);
      }
      assertThat(Files.readString(file)).as(file + " names no datasource but the variable")
          .doesNotContain("\"uid\": \"P");
    }
  }

  @Test
  void queriesUseOnlyTheirDashboardsVariablesAndGrafanasIntervals() {
    for (Path file : Dashboards.files()) {
      JsonNode d = Dashboards.read(file);
      Set<String> defined = new HashSet<>(Set.of("__rate_interval", "__interval", "__range"));
      d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
      for (Dashboards.Query q : Dashboards.queries()) {
        if (!q.dashboard().equals(d.path("title").asText())) {
          continue;
        }
        assertThat(q.expr()).as(q.toString()).isNotBlank();
        Matcher m = VARIABLE.matcher(q.expr().replaceAll("\"\\$1\"", ""));
        while (m.find()) {
          assertThat(defined).as(q + " uses $" + m.group(1)).contains(m.group(1));
        }
      }
    }
  }

  @Test
  void theSpanDashboardsLinkToJaegerThroughTheirJaegerUrlVariableAndShowExemplars() {
    for (String name : List.of("service-overview.json", "operation.json")) {
      JsonNode d = Dashboards.read(Dashboards.DIR.resolve(name));
      List<String> variables = new ArrayList<>();
      d.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
      assertThat(variables).as(name).contains("jaeger_url");
      List<String> links = new ArrayList<>();
      boolean exemplars = false;
      for (JsonNode panel : Dashboards.panels(d)) {
        panel.path("links").forEach(l -> links.add(l.path("url").asText()));
        panel.path("fieldConfig").path("defaults").path("links").forEach(l -> links.add(l.path("url").asText()));
        for (JsonNode target : panel.path("targets")) {
          exemplars |= target.path("exemplar").asBoolean()
              && target.path("expr").asText().contains("traces_span_metrics_duration_milliseconds_bucket");
        }
      }
      assertThat(links).as(name + " links").isNotEmpty()
          .allMatch(url -> url.startsWith("${jaeger_url}/search?service="));
      assertThat(exemplars).as(name + " shows the histogram's exemplars").isTrue();
    }
  }

  @Test
  void thePrometheusDataSourceOpensExemplarTraceIdsInJaeger() throws Exception {
    String datasources = Files.readString(Dashboards.DIR.resolveSibling("provisioning/datasources/tracestream.yaml"));

    assertThat(datasources).contains("      exemplarTraceIdDestinations:\n        - name: trace_id\n"
        + "          datasourceUid: tracestream-jaeger\n")
        .contains("uid: tracestream-jaeger\n    type: jaeger");
  }
}
