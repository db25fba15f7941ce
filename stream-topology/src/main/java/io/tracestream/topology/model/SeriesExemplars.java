package io.tracestream.topology.model;

import java.util.List;

/**
 * The exemplars of one closed span-metrics window of one series, as {@code /api/exemplars} reads them.
 *
 * @param windowStart epoch milliseconds, inclusive; @param windowEnd exclusive
 */
public record SeriesExemplars(SeriesKey series, long windowStart, long windowEnd, List<Exemplar> exemplars) {
  public SeriesExemplars {
    exemplars = List.copyOf(exemplars);
  }
}
