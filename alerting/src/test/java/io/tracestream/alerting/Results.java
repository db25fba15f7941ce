package io.tracestream.alerting;

import io.tracestream.topology.model.EdgeWindowResult;
import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.WindowResult;
import io.tracestream.topology.sketch.LatencySketch;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/** Window results as the topology writes them, for tests. */
final class Results {
  static final long MINUTE = 60_000;

  private Results() {}

  /** Window [start, start + 1m) of {@code count} spans of {@code latencyMs} each, {@code errors} of them errors. */
  static WindowResult window(long start, long count, long errors, double latencyMs) {
    LatencySketch sketch = LatencySketch.create();
    for (int i = 0; i < count; i++) {
      sketch.add(latencyMs);
    }
    return new WindowResult(start, start + MINUTE, count, errors, latencyMs * count, latencyMs, latencyMs, latencyMs,
        latencyMs, Collections.nCopies(17, 0L), Base64.getEncoder().encodeToString(sketch.toBytes()));
  }

  /** {@code r} with these exemplars. */
  static WindowResult withExemplars(WindowResult r, Exemplar... exemplars) {
    return new WindowResult(r.windowStart(), r.windowEnd(), r.count(), r.errors(), r.sumMs(), r.p50Ms(), r.p95Ms(),
        r.p99Ms(), r.maxMs(), r.buckets(), r.sketch(), List.of(exemplars));
  }

  static EdgeWindowResult edge(long start, long calls, long errors) {
    return new EdgeWindowResult(start, start + MINUTE, calls, errors, null, null);
  }
}
