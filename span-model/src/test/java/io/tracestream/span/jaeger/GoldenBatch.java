package io.tracestream.span.jaeger;

import io.jaegertracing.agent.thrift.Agent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.SpanRef;
import io.jaegertracing.thriftjava.SpanRefType;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import java.util.Arrays;
import java.util.List;
import org.apache.thrift.TException;
import org.apache.thrift.TSerializer;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TMemoryBuffer;

/** A Batch of Jaeger's IDL (the classes jaeger-client ships), written by libthrift as its senders do. */
final class GoldenBatch {
  static final long TRACE_HIGH = 0x0af7651916cd43ddL;
  static final long TRACE_LOW = 0x8448eb211c80319cL;
  static final long ROOT = 0x00f067aa0ba902b7L;
  static final long CHILD = 0x53995c3f42cd8ad8L;
  static final long START = 1_700_000_000_000_000L;

  private GoldenBatch() {}

  static Batch batch() {
    Process process = new Process("checkout").setTags(List.of(
        tag("hostname", TagType.STRING).setVStr("host-1"),
        tag("jaeger.version", TagType.STRING).setVStr("Java-1.8.1")));
    Span root = new Span(TRACE_LOW, TRACE_HIGH, ROOT, 0, "GET /checkout", 1, START, 100_000)
        .setTags(List.of(
            tag("span.kind", TagType.STRING).setVStr("server"),
            tag("http.status_code", TagType.LONG).setVLong(200),
            tag("sampler.param", TagType.BOOL).setVBool(true),
            tag("ratio", TagType.DOUBLE).setVDouble(0.25),
            tag("blob", TagType.BINARY).setVBinary(new byte[] {1, 2, 3})))
        .setLogs(List.of(new Log(START + 10, List.of(
            tag("event", TagType.STRING).setVStr("request.received"),
            tag("size", TagType.LONG).setVLong(512)))));
    Span child = new Span(TRACE_LOW, TRACE_HIGH, CHILD, ROOT, "charge", 1, START + 1_000, 40_000)
        .setReferences(List.of(
            new SpanRef(SpanRefType.CHILD_OF, TRACE_LOW, TRACE_HIGH, ROOT),
            new SpanRef(SpanRefType.FOLLOWS_FROM, 7, 0, 9)))
        .setTags(List.of(
            tag("span.kind", TagType.STRING).setVStr("client"),
            tag("error", TagType.BOOL).setVBool(true)));
    return new Batch(process, List.of(root, child));
  }

  /** The body of the HTTP sender's POST /api/traces. */
  static byte[] binary(Batch batch) throws TException {
    return new TSerializer(new TBinaryProtocol.Factory()).serialize(batch);
  }

  /** A datagram of the UDP sender: Agent.emitBatch in the compact protocol. */
  static byte[] emitBatch(Batch batch) throws TException {
    TMemoryBuffer buffer = new TMemoryBuffer(1024);
    new Agent.Client(new TCompactProtocol(buffer)).emitBatch(batch);
    return Arrays.copyOf(buffer.getArray(), buffer.length());
  }

  private static Tag tag(String key, TagType type) {
    return new Tag(key, type);
  }
}
