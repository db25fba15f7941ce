package io.tracestream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the decoder keeps of the configured dimensions' attributes ({@link KeptAttributes}). */
class OtlpSpanReaderDimensionsTest {
  private static final KeptAttributes KEPT = KeptAttributes.of(
      Dimensions.parse("topology.dimensions", "flag,ratio,big,list,env,symbol,peer.service"));

  private static KeyValue attribute(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static AnyValue string(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  private static Map<String, String> read(List<KeyValue> resource, List<KeyValue> span) throws Exception {
    Span s = Span.newBuilder().setTraceId(ByteString.copyFrom(new byte[16])).setName("s").addAllAttributes(span)
        .build();
    ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans
        .newBuilder().setResource(Resource.newBuilder().addAllAttributes(resource))
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(s))).build();
    return OtlpSpanReader.read(request.toByteArray(), KEPT).get(0).attributes();
  }

  @Test
  void scalarValuesAreKeptAsTheCollectorWritesThemAndOthersAreNot() throws Exception {
    Map<String, String> kept = read(List.of(), List.of(
        attribute("flag", AnyValue.newBuilder().setBoolValue(true).build()),
        attribute("ratio", AnyValue.newBuilder().setDoubleValue(0.25).build()),
        attribute("big", AnyValue.newBuilder().setDoubleValue(1e21).build()),
        attribute("list", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(string("a"))).build()),
        attribute("other", string("not configured"))));

    assertThat(kept).containsOnly(Map.entry("flag", "true"), Map.entry("ratio", "0.25"),
        Map.entry("big", "1000000000000000000000"));
  }

  @Test
  void theSpansValueWinsThenTheResourcesFirst() throws Exception {
    Map<String, String> kept = read(
        List.of(attribute("env", string("prod")), attribute("env", string("dev")), attribute("symbol", string("R"))),
        List.of(attribute("symbol", string("S")), attribute("symbol", string("T"))));

    assertThat(kept).containsOnly(Map.entry("env", "prod"), Map.entry("symbol", "S"));
  }

  @Test
  void aPeerAttributeListedAsADimensionKeepsItsOwnRuleStringsOfTheSpanOnly() throws Exception {
    Map<String, String> kept = read(List.of(attribute("peer.service", string("from-resource"))),
        List.of(attribute("peer.service", AnyValue.newBuilder().setIntValue(7).build())));

    assertThat(kept).isEmpty();
  }
}
