package io.tracestream.bridge;

/** How a request reached the bridge; a metric tag. */
public enum Transport {
  GRPC, HTTP,
  /** Jaeger Thrift over HTTP, POST /api/traces (port 14268) */
  JAEGER_HTTP,
  /** Jaeger Thrift over UDP, the agent's emitBatch (port 6831) */
  JAEGER_UDP;

  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
