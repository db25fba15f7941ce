package io.tracestream.alerting.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {
  @Test
  void rendersPlaceholdersWithOrWithoutSpaces() {
    String out = Templates.render("{{service}} p99 {{ value }} > {{threshold}}",
        Map.of("service", "checkout", "value", "734ms", "threshold", "500ms"));

    assertThat(out).isEqualTo("checkout p99 734ms > 500ms");
  }

  @Test
  void aReplacementWithDollarSignsIsTakenLiterally() {
    assertThat(Templates.render("{{operation}}", Map.of("operation", "GET /$1"))).isEqualTo("GET /$1");
  }

  @Test
  void formatsValuesInTheirUnit() {
    assertThat(Templates.format(Signal.Unit.LATENCY, 734.25)).isEqualTo("734.3ms");
    assertThat(Templates.format(Signal.Unit.LATENCY, 1250)).isEqualTo("1.25s");
    assertThat(Templates.format(Signal.Unit.RATIO, 0.073)).isEqualTo("7.3%");
    assertThat(Templates.format(Signal.Unit.RATE, 12.5)).isEqualTo("12.5/s");
  }
}
