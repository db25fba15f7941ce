package io.tracestream.alerting;

import io.tracestream.alerting.rules.AlertRule;
import io.tracestream.alerting.rules.RuleSet;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backtest's transitions as people read them: per rule, one row per episode of an alert series (from
 * its first breached window on), with the event times (window ends) at which it went pending, fired and
 * resolved, or cleared before firing.
 */
public final class BacktestReport {
  private BacktestReport() {}

  /** One episode of one series: the window ends of its transitions, -1 where there was none. */
  record Episode(String series, long pending, long firing, long resolved, long cleared) {}

  public static void print(RuleSet rules, Backtest.Outcome outcome, long windowResults, PrintWriter out) {
    out.printf("backtest: %d rules over %,d window results, event time %s to %s%n", rules.size(), windowResults,
        time(outcome.from()), time(outcome.to()));
    outcome.skipped().forEach((reason, n) -> out.printf("  skipped %,d input records: %s%n", n, reason));
    for (AlertRule rule : rules.rules()) {
      List<Episode> episodes = episodes(rule.name(), outcome.transitions());
      long fired = episodes.stream().filter(e -> e.firing() >= 0).count();
      if (episodes.isEmpty()) {
        out.printf("%s: never pending%n", rule.name());
        continue;
      }
      out.printf("%s: %d episode(s), %d fired%n", rule.name(), episodes.size(), fired);
      int width = Math.max("SERIES".length(), episodes.stream().mapToInt(e -> e.series().length()).max().orElse(0));
      String row = "  %-" + width + "s  %-24s  %-24s  %s%n";
      out.printf(row, "SERIES", "PENDING", "FIRING", "RESOLVED");
      for (Episode e : episodes) {
        String end = e.resolved() >= 0 ? time(e.resolved())
            : e.cleared() >= 0 ? "cleared " + time(e.cleared()) : e.firing() >= 0 ? "still firing" : "still pending";
        out.printf(row, e.series(), e.pending() >= 0 ? time(e.pending()) : "-",
            e.firing() >= 0 ? time(e.firing()) : "-", end);
      }
    }
    out.flush();
  }

  /** The episodes of one rule, in the order they started (then by series). */
  static List<Episode> episodes(String rule, List<AlertTransition> transitions) {
    Map<String, long[]> byEpisode = new LinkedHashMap<>();
    for (AlertTransition t : transitions) {
      if (!t.rule().equals(rule)) {
        continue;
      }
      long[] times = byEpisode.computeIfAbsent(t.alertId() + "@" + t.activeSince(), k -> new long[] {-1, -1, -1, -1});
      int column = switch (t.status()) {
        case PENDING -> 0;
        case FIRING -> 1;
        case RESOLVED -> 2;
        case INACTIVE -> 3;
      };
      times[column] = t.windowEnd();
    }
    List<Episode> out = new ArrayList<>();
    byEpisode.forEach((key, times) -> {
      String series = key.substring(rule.length(), key.lastIndexOf('@'));
      out.add(new Episode(series, times[0], times[1], times[2], times[3]));
    });
    return out;
  }

  private static String time(long epochMs) {
    return epochMs < 0 ? "-" : Instant.ofEpochMilli(epochMs).toString();
  }
}
