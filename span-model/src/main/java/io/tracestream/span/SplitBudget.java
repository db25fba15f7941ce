package io.tracestream.span;

/**
 * What a split may hold: {@link TraceSplitter} asks for bytes as it goes, for the records it is about to
 * build and for its own bookkeeping, before any record is built, and stops when refused. A request whose
 * records would not fit is thus stopped at the budget, not after building them (one resource copied into
 * 30,000 one-span traces would be 30,000 copies).
 */
@FunctionalInterface
public interface SplitBudget {
  /** No limit: replay, benchmarks. */
  SplitBudget UNLIMITED = bytes -> true;

  /** Takes {@code bytes} more for this split; false stops it with {@link SplitBudgetException}. */
  boolean take(long bytes);
}
