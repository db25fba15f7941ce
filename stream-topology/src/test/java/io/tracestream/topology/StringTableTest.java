package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StringTableTest {
  private final StringTable table = new StringTable();

  private String get(String s) {
    byte[] utf8 = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
    return table.get(utf8, 2, utf8.length - 4);
  }

  @Test
  void theSameBytesGiveTheSameInstanceAndOtherBytesTheirOwnString() {
    String first = get("POST /orders");
    assertThat(get("POST /orders")).isSameAs(first);
    assertThat(get("POST /order")).isEqualTo("POST /order");
    assertThat(get("GET /ümlaut ✓")).isEqualTo("GET /ümlaut ✓");
    assertThat(get("")).isEmpty();
    String longName = "n".repeat(300);
    assertThat(get(longName)).isEqualTo(longName);
  }

  @Test
  void manyDistinctValuesReplaceEachOtherAndEachIsStillRead() {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 20_000; i++) {
        assertThat(get("host-" + i + ".example")).isEqualTo("host-" + i + ".example");
      }
    }
  }
}
