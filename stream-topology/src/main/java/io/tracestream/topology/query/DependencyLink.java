package io.tracestream.topology.query;

import java.util.Comparator;

/** One link of Jaeger's {@code /api/dependencies} answer: calls from {@code parent} to {@code child}. */
public record DependencyLink(String parent, String child, long callCount) {

  /** A (parent, child) pair, ordered by parent then child. */
  public record Pair(String parent, String child) implements Comparable<Pair> {
    private static final Comparator<Pair> ORDER = Comparator.comparing(Pair::parent).thenComparing(Pair::child);

    @Override
    public int compareTo(Pair other) {
      return ORDER.compare(this, other);
    }
  }
}
