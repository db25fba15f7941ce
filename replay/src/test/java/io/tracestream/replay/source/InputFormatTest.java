package io.tracestream.replay.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InputFormatTest {
  private static InputFormat detect(String head) throws IOException {
    return detect(head.getBytes(StandardCharsets.UTF_8));
  }

  private static InputFormat detect(byte[] head) throws IOException {
    BufferedInputStream in = new BufferedInputStream(new ByteArrayInputStream(head));
    InputFormat format = InputFormat.detect(in);
    assertThat(in.readAllBytes()).as("detection leaves the stream where it was").isEqualTo(head);
    return format;
  }

  @Test
  void formatsAreToldApartByTheirFirstBytes() throws IOException {
    assertThat(detect("{\"resourceSpans\":[]}\n")).isEqualTo(InputFormat.OTLP_JSON);
    assertThat(detect("{\n  \"data\": [\n")).isEqualTo(InputFormat.JAEGER_JSON);
    assertThat(detect("[{\"traceID\": \"01\"}]")).isEqualTo(InputFormat.JAEGER_JSON);
    assertThat(detect(new byte[] {0, 0, 1, 2, 0x0a})).isEqualTo(InputFormat.OTLP_PROTO);
    assertThat(detect(new byte[] {0x0a, 5})).isEqualTo(InputFormat.OTLP_PROTO);
  }

  @Test
  void cliNamesRoundTrip() {
    for (InputFormat f : InputFormat.values()) {
      assertThat(InputFormat.fromCliName(f.cliName())).isEqualTo(f);
    }
    assertThat(InputFormat.fromCliName("auto")).isNull();
  }
}
