package io.tracestream.bridge;

/** How the bridge answered a request; a metric tag. Every client error has its own outcome. */
public enum Outcome {
  /** every span accepted and acknowledged by Kafka */
  SUCCESS,
  /** accepted, with some spans refused through partial_success */
  PARTIAL,
  /** Kafka unreachable, slow or the buffer full: 503 / UNAVAILABLE, retry later */
  UNAVAILABLE,
  /** body over bridge.max.request.bytes after decompression: 413 / RESOURCE_EXHAUSTED */
  TOO_LARGE,
  /** needs more of bridge.memory.budget than one request may hold: 413 / RESOURCE_EXHAUSTED */
  OVER_BUDGET,
  /** bridge.memory.budget in use by other requests: 503 / UNAVAILABLE, retry later */
  BUDGET_FULL,
  /** 415 */
  UNSUPPORTED_MEDIA_TYPE,
  /** 405 */
  METHOD_NOT_ALLOWED,
  /** undecodable body: 400 / INVALID_ARGUMENT */
  BAD_REQUEST,
  /** no or a wrong bearer token: 401 / UNAUTHENTICATED */
  UNAUTHENTICATED,
  /** a gRPC message not received whole within bridge.grpc.read.timeout: the call is cancelled */
  READ_TIMEOUT;

  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
