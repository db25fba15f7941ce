package io.tracestream.alerting;

import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.sketch.LatencySketch;
import java.util.Base64;
import java.util.Map;

/**
 * One input window result as one rule sees it: the part it contributes to one alert series in one
 * window. Several contributions of the same window (the status codes of an operation, the operations
 * of a service when a rule groups by service) are merged before the window is evaluated. The value
 * of the repartition topic {@code <application.id>-alert-observations-repartition}, as JSON.
 *
 * @param rule the rule's name
 * @param labels the alert series' labels (the rule's {@code group_by})
 * @param count spans, traces or calls
 * @param errors those of them with an error
 * @param sketch the merged latency sketch, base64; only for latency rules, else null
 * @param example an exemplar of the window for a firing alert's annotations: the slowest for a latency rule,
 *     the error exemplar for an error rule; null when the results have none (edges, results before exemplars)
 */
record Observation(String rule, Map<String, String> labels, long windowStart, long windowEnd, long count, long errors,
    String sketch, Exemplar example) {

  Observation merge(Observation other) {
    String merged = sketch;
    if (sketch == null) {
      merged = other.sketch;
    } else if (other.sketch != null) {
      LatencySketch a = decode(sketch);
      a.merge(decode(other.sketch));
      merged = Base64.getEncoder().encodeToString(a.toBytes());
    }
    return new Observation(rule, labels, windowStart, Math.max(windowEnd, other.windowEnd), count + other.count,
        errors + other.errors, merged, slower(example, other.example));
  }

  /** The slower exemplar, ties by the greater trace id, so the merge order does not matter. */
  static Exemplar slower(Exemplar a, Exemplar b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    int c = Double.compare(a.seconds(), b.seconds());
    return c > 0 || c == 0 && a.traceId().compareTo(b.traceId()) >= 0 ? a : b;
  }

  static LatencySketch decode(String base64) {
    return LatencySketch.fromBytes(Base64.getDecoder().decode(base64));
  }
}
