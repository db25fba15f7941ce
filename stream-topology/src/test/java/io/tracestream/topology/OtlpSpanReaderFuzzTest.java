package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.tracestream.span.TraceIds;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer target for the topology's wire-format reader, which reads every otlp_spans record: whatever
 * a producer writes to the topic (the bridge, a Collector, anyone with write access). Run like the
 * bridge's {@code OtlpFuzzTest}: under plain {@code mvn verify} the saved inputs in
 * {@code OtlpSpanReaderFuzzTestInputs/<method>/} are regression tests;
 * {@code JAZZER_FUZZ=1 mvn -pl stream-topology -am test -Dtest=OtlpSpanReaderFuzzTest} fuzzes for real
 * and saves any failing input there (docs/RELIABILITY.md).
 *
 * <p>The invariants: the reader fails only with {@link InvalidProtocolBufferException} (no NPE, no
 * index, stack or heap error), exactly when {@code ExportTraceServiceRequest.parseFrom} fails; and when
 * both read the record, it returns parseFrom's spans in order with the same ids, name, kind, status and
 * times.
 */
class OtlpSpanReaderFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void readerAgreesWithParseFrom(byte[] record) throws InvalidProtocolBufferException {
    ExportTraceServiceRequest request;
    try {
      request = ExportTraceServiceRequest.parseFrom(record);
    } catch (InvalidProtocolBufferException rejected) {
      assertThatThrownBy(() -> OtlpSpanReader.read(record)).as("reader on a record parseFrom rejects")
          .isInstanceOf(InvalidProtocolBufferException.class);
      return;
    }
    List<WireSpan> read = OtlpSpanReader.read(record);

    List<Span> parsed = new ArrayList<>();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        parsed.addAll(ss.getSpansList());
      }
    }
    assertThat(read).as("spans").hasSameSizeAs(parsed);
    for (int i = 0; i < parsed.size(); i++) {
      Span expected = parsed.get(i);
      WireSpan actual = read.get(i);
      assertThat(actual.traceId()).as("trace id of span " + i).isEqualTo(TraceIds.toHex(expected.getTraceId()));
      assertThat(actual.name()).as("name of span " + i).isEqualTo(expected.getName());
      assertThat(actual.kind()).as("kind of span " + i).isEqualTo(expected.getKindValue());
      assertThat(actual.statusCode()).as("status of span " + i).isEqualTo(expected.getStatus().getCodeValue());
      assertThat(actual.startNanos()).as("start of span " + i).isEqualTo(expected.getStartTimeUnixNano());
      assertThat(actual.endNanos()).as("end of span " + i).isEqualTo(expected.getEndTimeUnixNano());
    }
  }
}
