package io.tracestream.testkit;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.Random;

/**
 * OTLP requests for tests and benchmarks: traces of parent/child spans with random non-zero ids,
 * spread over services, with realistic attributes. Seeded, so a run can be repeated.
 */
public final class SpanGenerator {
  private static final String[] SERVICES = {"ai-engine", "execution", "risk-safety", "portfolio-intelligence"};
  private static final String[] OPERATIONS = {"POST /predict", "GET /positions", "POST /orders", "SELECT", "publish"};

  private final Random random;

  public SpanGenerator(long seed) {
    this.random = new Random(seed);
  }

  /** One request with {@code traces} traces of {@code spansPerTrace} spans, each service one resource. */
  public ExportTraceServiceRequest request(int traces, int spansPerTrace, int attributesPerSpan) {
    ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
    ScopeSpans.Builder[] scopes = new ScopeSpans.Builder[SERVICES.length];
    for (int s = 0; s < SERVICES.length; s++) {
      scopes[s] = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder()
          .setName("io.tracestream.testkit").setVersion("1.0"));
    }
    long now = System.currentTimeMillis() * 1_000_000L;
    for (int t = 0; t < traces; t++) {
      ByteString traceId = id(16);
      ByteString parent = ByteString.EMPTY;
      for (int i = 0; i < spansPerTrace; i++) {
        ByteString spanId = id(8);
        long start = now + i * 1_000_000L;
        Span.Builder span = Span.newBuilder()
            .setTraceId(traceId).setSpanId(spanId).setParentSpanId(parent)
            .setName(OPERATIONS[random.nextInt(OPERATIONS.length)])
            .setKind(i == 0 ? Span.SpanKind.SPAN_KIND_SERVER : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(start + 1_000_000L + random.nextInt(50_000_000))
            .setStatus(Status.newBuilder().setCode(random.nextInt(20) == 0
                ? Status.StatusCode.STATUS_CODE_ERROR : Status.StatusCode.STATUS_CODE_UNSET));
        for (int a = 0; a < attributesPerSpan; a++) {
          span.addAttributes(attribute("attr." + a, "value-" + random.nextInt(1000)));
        }
        scopes[(t + i) % SERVICES.length].addSpans(span);
        parent = spanId;
      }
    }
    for (int s = 0; s < SERVICES.length; s++) {
      if (scopes[s].getSpansCount() > 0) {
        request.addResourceSpans(ResourceSpans.newBuilder()
            .setResource(Resource.newBuilder()
                .addAttributes(attribute("service.name", SERVICES[s]))
                .addAttributes(attribute("host.name", "host-" + s))
                .addAttributes(attribute("telemetry.sdk.language", "java")))
            .addScopeSpans(scopes[s]));
      }
    }
    return request.build();
  }

  private ByteString id(int bytes) {
    byte[] id = new byte[bytes];
    do {
      random.nextBytes(id);
    } while (isZero(id));
    return ByteString.copyFrom(id);
  }

  private static boolean isZero(byte[] id) {
    for (byte b : id) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }
}
