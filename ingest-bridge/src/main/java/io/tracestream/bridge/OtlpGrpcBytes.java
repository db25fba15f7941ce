package io.tracestream.bridge;

import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** OTLP TraceService/Export with messages as the bytes they travel as, for the bridge and for clients that pre-encode. */
public final class OtlpGrpcBytes {
  /** Bytes in, bytes out: no protobuf work. */
  public static final MethodDescriptor.Marshaller<byte[]> MARSHALLER = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** TraceService/Export taking and returning encoded messages. */
  public static final MethodDescriptor<byte[], byte[]> EXPORT =
      TraceServiceGrpc.getExportMethod().toBuilder(MARSHALLER, MARSHALLER).build();

  private OtlpGrpcBytes() {}
}
