package io.tracestream.bridge;

/** How a request reached the bridge; a metric tag. */
public enum Transport {
  GRPC, HTTP;

  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
