package io.tracestream.span;

/** A split stopped because its {@link SplitBudget} refused more bytes; no record was built. */
public final class SplitBudgetException extends Exception {
  private final long bytes;

  public SplitBudgetException(long bytes) {
    super("the split needed more than the " + bytes + " bytes it was given");
    this.bytes = bytes;
  }

  /** The bytes the split had taken when it was refused more. */
  public long bytes() {
    return bytes;
  }
}
