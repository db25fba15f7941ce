package io.tracestream.replay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.testkit.RealisticSpans;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtlpFilesTest {
  private static final List<ExportTraceServiceRequest> REQUESTS =
      RealisticSpans.generate(3, 20, 7, Instant.parse("2026-11-01T10:00:00Z"));

  @TempDir
  Path dir;

  private static CollectingSink read(InputFormat forced, String... inputs) {
    CollectingSink sink = new CollectingSink();
    new FileSource(List.of(inputs), forced, InputStream.nullInputStream()).readAll(sink);
    return sink;
  }

  private static String jsonLines() {
    StringBuilder out = new StringBuilder();
    REQUESTS.forEach(r -> out.append(OtlpJson.line(r)).append('\n'));
    return out.toString();
  }

  private static byte[] sizePrefixed() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    for (ExportTraceServiceRequest r : REQUESTS) {
      byte[] message = r.toByteArray();
      out.writeInt(message.length);
      out.write(message);
    }
    return bytes.toByteArray();
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(bytes)) {
      out.write(plain);
    }
    return bytes.toByteArray();
  }

  @Test
  void otlpJsonLinesAreReadOneRequestPerLine() throws IOException {
    Path file = Files.writeString(dir.resolve("traces.jsonl"), jsonLines());

    CollectingSink sink = read(null, file.toString());

    assertThat(sink.bad).isEmpty();
    assertThat(sink.requests).containsExactlyElementsOf(REQUESTS);
    assertThat(sink.locations).containsExactly(file + ":1", file + ":2", file + ":3");
  }

  @Test
  void aMalformedJsonLineIsReportedWithFileAndLineAndSkipped() throws IOException {
    String[] lines = jsonLines().split("\n");
    Path file = Files.writeString(dir.resolve("traces.jsonl"),
        lines[0] + "\n\n{\"resourceSpans\": [ oops\n" + lines[1] + "\n");

    CollectingSink sink = read(null, file.toString());

    assertThat(sink.requests).containsExactly(REQUESTS.get(0), REQUESTS.get(1));
    assertThat(sink.bad).containsOnlyKeys(file + ":3");
    assertThat(sink.bad.get(file + ":3")).startsWith("invalid JSON");
  }

  @Test
  void sizePrefixedProtobufAsTheCollectorFileExporterWritesIt() throws IOException {
    Path file = Files.write(dir.resolve("traces.pb"), sizePrefixed());

    CollectingSink sink = read(null, file.toString());

    assertThat(sink.bad).isEmpty();
    assertThat(sink.requests).containsExactlyElementsOf(REQUESTS);
    assertThat(sink.locations.get(1)).isEqualTo(file + ": message 2 at byte " + (4 + REQUESTS.get(0).getSerializedSize()));
  }

  @Test
  void aBareProtobufRequestBody() throws IOException {
    Path file = Files.write(dir.resolve("body.bin"), REQUESTS.get(2).toByteArray());

    assertThat(read(null, file.toString()).requests).containsExactly(REQUESTS.get(2));
  }

  @Test
  void aTruncatedProtobufStreamKeepsTheMessagesBeforeTheCut() throws IOException {
    byte[] whole = sizePrefixed();
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 10);
    Path file = Files.write(dir.resolve("cut.pb"), cut);

    CollectingSink sink = read(InputFormat.OTLP_PROTO, file.toString());

    assertThat(sink.requests).containsExactly(REQUESTS.get(0), REQUESTS.get(1));
    assertThat(sink.bad.values()).singleElement().asString().contains("ends inside the message");
  }

  @Test
  void gzippedFilesOfEveryFormatInADirectoryAreReadInPathOrder() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("in"));
    Files.write(sub.resolve("a.jsonl.gz"), gzip(jsonLines().getBytes(StandardCharsets.UTF_8)));
    Files.write(sub.resolve("b.pb.gz"), gzip(sizePrefixed()));
    Files.copy(Path.of("src/test/resources/jaeger/three-traces.json"), sub.resolve("c.json"));
    Files.writeString(sub.resolve(".hidden"), "not spans");

    FileSource source = new FileSource(List.of(sub.toString()), null, InputStream.nullInputStream());
    CollectingSink sink = new CollectingSink();
    source.readAll(sink);

    assertThat(sink.bad).isEmpty();
    assertThat(sink.requests).hasSize(3 + 3 + 3);
    assertThat(sink.requests.subList(0, 6)).containsExactlyElementsOf(
        java.util.stream.Stream.concat(REQUESTS.stream(), REQUESTS.stream()).toList());
    assertThat(source.bytesRead()).isEqualTo(source.totalBytes());
  }

  @Test
  void aMissingInputIsRefusedBeforeAnythingIsRead() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> read(null, dir.resolve("nope.json").toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.json");
  }
}
