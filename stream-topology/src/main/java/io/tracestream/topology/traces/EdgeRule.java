package io.tracestream.topology.traces;

import java.util.Locale;

/**
 * Which rule of {@link DependencyLinker} made an edge (see {@code package-info.java}): the span kinds of both
 * sides ({@link #EXPLICIT}), or one of the rules that infer an edge from a parent and a child in two services
 * when the kinds do not pair.
 */
public enum EdgeRule {
  /** A CLIENT/SERVER or PRODUCER/CONSUMER pair, a virtual node named by attributes, or a root server's user. */
  EXPLICIT,
  /** A span (not a paired SERVER) in B under a CLIENT span in A that no server answered: it is the server side. */
  CLIENT_CHILD,
  /** A span (not a paired CONSUMER) in B under a PRODUCER span in A: a message, the consumer side not a CONSUMER. */
  PRODUCER_CHILD,
  /** An INTERNAL span with a span link to a PRODUCER span of the trace: a consumer that kept its kind INTERNAL. */
  PRODUCER_LINK,
  /** Any other parent in A of a span in B (SERVER, INTERNAL, CONSUMER parent; no client span recorded the call). */
  CROSS_SERVICE_CHILD;

  public boolean inferred() {
    return this != EXPLICIT;
  }

  /** Lowercase form used as a metric tag value. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
