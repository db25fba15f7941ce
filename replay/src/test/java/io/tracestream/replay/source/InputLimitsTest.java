package io.tracestream.replay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.tracestream.testkit.RealisticSpans;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** replay.max.message.bytes and Jaeger's microseconds: hostile files are skipped and reported, never held whole. */
class InputLimitsTest {
  private static final int LIMIT = 64 << 10;
  private static final ExportTraceServiceRequest REQUEST =
      RealisticSpans.generate(1, 5, 3, Instant.parse("2026-11-01T10:00:00Z")).get(0);

  private static CollectingSink read(InputStream stdin) {
    CollectingSink sink = new CollectingSink();
    new FileSource(List.of("-"), null, stdin, LIMIT).readAll(sink);
    return sink;
  }

  /** A gzip member of a bare message that inflates to 256 MiB: before the limit, it was read whole. */
  @Test
  void aBareMessageInflatingPastTheLimitIsSkippedAfterReadingOnlyTheLimit() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(gz)) {
      out.write(0x0a); // field 1, as a bare ExportTraceServiceRequest starts
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 256; i++) {
        out.write(zeros);
      }
    }
    CountingStream in = new CountingStream(gz.toByteArray());

    CollectingSink sink = read(in);

    assertThat(sink.requests).isEmpty();
    assertThat(sink.bad).containsOnlyKeys("-: the message");
    assertThat(sink.bad.get("-: the message")).contains("replay.max.message.bytes (65536 bytes)");
    assertThat(in.consumed).isLessThan(gz.size()); // stopped reading, not inflated to the end
  }

  @Test
  void aSizePrefixedMessageOverTheLimitIsSkippedAndTheNextIsRead() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(LIMIT + 1);
    out.write(new byte[LIMIT + 1]);
    byte[] good = REQUEST.toByteArray();
    out.writeInt(good.length);
    out.write(good);

    CollectingSink sink = read(new ByteArrayInputStream(bytes.toByteArray()));

    assertThat(sink.requests).containsExactly(REQUEST);
    assertThat(sink.bad).hasSize(1);
    assertThat(sink.bad.values().iterator().next()).contains("size prefix 65537 is over replay.max.message.bytes");
  }

  @Test
  void aJsonLineOverTheLimitIsSkippedAndTheNextLinesAreRead() throws IOException {
    String good = OtlpJson.line(REQUEST);
    String huge = "{\"resourceSpans\":[" + "{},".repeat(LIMIT) + "{}]}";
    byte[] file = (good + "\n" + huge + "\r\n" + good + "\r\n").getBytes(StandardCharsets.UTF_8);

    CollectingSink sink = read(new ByteArrayInputStream(file));

    assertThat(sink.requests).containsExactly(REQUEST, REQUEST);
    assertThat(sink.locations).containsExactly("-:1", "-:3");
    assertThat(sink.bad).containsOnlyKeys("-:2");
    assertThat(sink.bad.get("-:2")).contains("longer than replay.max.message.bytes");
  }

  @Test
  void aFileWithoutLineBreaksIsNeverHeldWhole() {
    InputStream endless = new SequenceInputStream(new ByteArrayInputStream("{\"resourceSpans\":[".getBytes(
        StandardCharsets.UTF_8)), new ByteArrayInputStream(new byte[8 << 20]));

    CollectingSink sink = read(endless);

    assertThat(sink.requests).isEmpty();
    assertThat(sink.bad).containsOnlyKeys("-:1");
  }

  @Test
  void jaegerMicrosecondsThatOverflowNanosecondsAreBadInputNotAnotherTime() {
    String json = """
        {"data": [
          {"traceID": "01", "spans": [{"traceID": "01", "spanID": "02", "processID": "p1",
             "startTime": 9223372036854776, "duration": 1}], "processes": {"p1": {"serviceName": "a"}}},
          {"traceID": "01", "spans": [{"traceID": "01", "spanID": "03", "processID": "p1",
             "startTime": 1, "duration": 9223372036854775807}], "processes": {"p1": {"serviceName": "a"}}},
          {"traceID": "01", "spans": [{"traceID": "01", "spanID": "04", "processID": "p1",
             "startTime": 1, "duration": 1, "logs": [{"timestamp": 99999999999999999999}]}],
           "processes": {"p1": {"serviceName": "a"}}},
          {"traceID": "01", "spans": [{"traceID": "01", "spanID": "05", "processID": "p1",
             "startTime": 1700000000000000, "duration": 1}], "processes": {"p1": {"serviceName": "a"}}}
        ]}
        """;

    CollectingSink sink = read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));

    assertThat(sink.spans()).hasSize(1);
    assertThat(sink.spans().get(0).getStartTimeUnixNano()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(sink.bad.values()).satisfiesExactly(
        reason -> assertThat(reason).contains("startTime 9223372036854776 µs is out of range"),
        reason -> assertThat(reason).contains("startTime + duration is out of range"),
        reason -> assertThat(reason).contains("log timestamp 99999999999999999999 µs is out of range"));
  }

  private static final class CountingStream extends ByteArrayInputStream {
    long consumed;

    CountingStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      int n = super.read(b, off, len);
      consumed += Math.max(0, n);
      return n;
    }

    @Override
    public synchronized int read() {
      int n = super.read();
      consumed += n >= 0 ? 1 : 0;
      return n;
    }
  }
}
