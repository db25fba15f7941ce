package io.tracestream.topology.traces;

import java.util.Locale;

/** Why a client, server, producer or consumer span of a completed trace is in no edge. */
public enum UnpairedReason {
  CLIENT_WITHOUT_SERVER("client span with no server child, no child in another service and no peer attribute"
      + " (topology.peer.attributes) to name the peer"),
  SERVER_WITHOUT_CLIENT("server span whose nearest remote ancestor is not a client span, under a span of its own"
      + " service"),
  PRODUCER_WITHOUT_CONSUMER("producer span with no consumer in the trace (as child or by span link)"),
  CONSUMER_WITHOUT_PRODUCER("consumer span with no producer ancestor and no span link"),
  LINKED_PRODUCER_NOT_IN_TRACE("consumer span whose span links point at no producer span of this trace"),
  MISSING_PARENT("server or consumer span whose parent (or an ancestor) is not in the trace"),
  PARENT_CYCLE("span whose parent chain loops back on itself"),
  DUPLICATE_SPAN_ID("span whose span id an earlier span of the trace already has; ignored");

  private final String description;

  UnpairedReason(String description) {
    this.description = description;
  }

  /** Lowercase form used as a metric tag value. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String description() {
    return description;
  }
}
