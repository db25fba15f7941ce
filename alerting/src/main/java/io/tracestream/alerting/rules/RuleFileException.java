package io.tracestream.alerting.rules;

/** A rule file that cannot be used: the message says where ({@code file:line}) and why. */
public final class RuleFileException extends IllegalArgumentException {
  private final int line;

  RuleFileException(String source, int line, String reason) {
    super(source + ":" + line + ": " + reason);
    this.line = line;
  }

  /** The 1-based line of the problem in the rule file. */
  public int line() {
    return line;
  }
}
