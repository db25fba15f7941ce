package io.tracestream.alerting;

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
 */
record Observation(String rule, Map<String, String> labels, long windowStart, long windowEnd, long count, long errors,
    String sketch) {

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
        errors + other.errors, merged);
  }

  static LatencySketch decode(String base64) {
    return LatencySketch.fromBytes(Base64.getDecoder().decode(base64));
  }
}
