package io.tracestream.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzz targets for everything that reads untrusted bytes on the ingest path. Under plain
 * {@code mvn verify} Jazzer runs the saved inputs in {@code OtlpFuzzTestInputs/<method>/} as regression
 * tests; {@code JAZZER_FUZZ=1 mvn -pl span-model -am test -Dtest=OtlpFuzzTest#<method>} fuzzes for real
 * and adds any input that fails to that directory (see docs/RELIABILITY.md).
 *
 * <p>The invariants: the decoders fail only with {@link OtlpDecodeException} (never an NPE, a stack or
 * heap overflow, or another unchecked exception), and the splitter, which reads the encoded body
 * itself, refuses exactly the bodies that do not decode and puts every valid span into exactly one
 * record keyed by its trace id.
 */
class OtlpFuzzTest {
  private static final TraceSplitter SPLITTER = new TraceSplitter(4096);

  @FuzzTest(maxDuration = "30s")
  void protobufDecoderFailsOnlyWithDecodeException(byte[] body) {
    try {
      OtlpCodec.decodeProtobuf(body);
    } catch (OtlpDecodeException expected) {
      // the documented answer: 400 / INVALID_ARGUMENT
    }
  }

  @FuzzTest(maxDuration = "30s")
  void jsonDecoderFailsOnlyWithDecodeException(byte[] body) {
    try {
      OtlpCodec.decodeJson(body);
    } catch (OtlpDecodeException expected) {
      // the documented answer: 400 with a JSON status
    }
  }

  @FuzzTest(maxDuration = "30s")
  void splitterKeepsEveryValidSpanExactlyOnce(byte[] body) throws Exception {
    ExportTraceServiceRequest request;
    try {
      request = OtlpCodec.decodeProtobuf(body);
    } catch (OtlpDecodeException undecodable) {
      assertThatThrownBy(() -> SPLITTER.split(body)).as("split of an undecodable body")
          .isInstanceOf(OtlpDecodeException.class);
      return;
    }
    SplitResult split = SPLITTER.split(body);

    List<Span> valid = new ArrayList<>();
    int total = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        total += ss.getSpansCount();
        for (Span span : ss.getSpansList()) {
          if (RejectReason.checkIds(span) == null) {
            valid.add(span);
          }
        }
      }
    }
    assertThat(split.acceptedSpans() + split.rejectedSpans()).as("accepted + rejected").isEqualTo(total);
    List<Span> stored = new ArrayList<>();
    for (TraceRecord record : split.records()) {
      ExportTraceServiceRequest back = ExportTraceServiceRequest.parseFrom(record.value());
      int spans = 0;
      for (ResourceSpans rs : back.getResourceSpansList()) {
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            assertThat(TraceIds.toHex(span.getTraceId())).as("record key").isEqualTo(record.traceId());
            stored.add(span);
            spans++;
          }
        }
      }
      assertThat(spans).as("span count of record " + record.traceId()).isEqualTo(record.spanCount());
      assertThat(record.value().length).as("record size").isLessThanOrEqualTo(4096);
    }
    assertThat(stored).as("stored spans").hasSize(split.acceptedSpans());
    int tooLarge = split.rejected().getOrDefault(RejectReason.SPAN_TOO_LARGE, 0);
    assertThat(stored.size() + tooLarge).as("valid spans, stored or too large").isEqualTo(valid.size());
    if (tooLarge == 0) {
      assertThat(stored).as("stored spans vs. valid spans").containsExactlyInAnyOrderElementsOf(valid);
    } else {
      assertThat(valid).as("every stored span is a valid span of the request").containsAll(stored);
    }
  }
}
