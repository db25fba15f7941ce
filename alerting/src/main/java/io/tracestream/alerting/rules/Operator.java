package io.tracestream.alerting.rules;

import java.util.Arrays;
import java.util.Optional;

/** How a window's value compares with the threshold for the condition to hold. */
public enum Operator {
  GT(">"), GE(">="), LT("<"), LE("<=");

  private final String symbol;

  Operator(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }

  public boolean holds(double value, double threshold) {
    return switch (this) {
      case GT -> value > threshold;
      case GE -> value >= threshold;
      case LT -> value < threshold;
      case LE -> value <= threshold;
    };
  }

  public static Optional<Operator> bySymbol(String symbol) {
    return Arrays.stream(values()).filter(o -> o.symbol.equals(symbol)).findFirst();
  }
}
