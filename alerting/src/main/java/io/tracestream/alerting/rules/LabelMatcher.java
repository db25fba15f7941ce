package io.tracestream.alerting.rules;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One matcher on a series label: exact ({@code match}) or a regular expression matched against the
 * whole value ({@code match_re}, anchored like PromQL's {@code =~}).
 */
public record LabelMatcher(String label, String value, boolean regex, Pattern pattern) {

  public static LabelMatcher exact(String label, String value) {
    return new LabelMatcher(label, value, false, null);
  }

  /** @throws java.util.regex.PatternSyntaxException if the expression is not valid */
  public static LabelMatcher regex(String label, String expression) {
    return new LabelMatcher(label, expression, true, Pattern.compile(expression));
  }

  public boolean matches(Map<String, String> labels) {
    String actual = labels.getOrDefault(label, "");
    return regex ? pattern.matcher(actual).matches() : value.equals(actual);
  }
}
