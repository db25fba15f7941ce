package io.tracestream.alerting.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tracestream.alerting.AlertTransition;
import io.tracestream.alerting.state.AlertStatus;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The alerts under way (pending or firing) of the notifier's partitions, from the latest transition of
 * each: what {@code GET /api/alerts} shows and what is sent to Alertmanager again while it fires.
 * Rebuilt from the alerts topic when partitions are assigned.
 */
public final class AlertView {
  private record Entry(int partition, AlertTransition transition) {}

  private final Map<String, Entry> current = new ConcurrentHashMap<>();

  void apply(int partition, AlertTransition t) {
    if (t.status() == AlertStatus.PENDING || t.status() == AlertStatus.FIRING) {
      current.put(t.alertId(), new Entry(partition, t));
    } else {
      current.remove(t.alertId());
    }
  }

  void dropPartitions(Collection<Integer> partitions) {
    current.values().removeIf(e -> partitions.contains(e.partition()));
  }

  /** Firing alerts that were paged: those to send to Alertmanager again. */
  List<AlertTransition> pagedFiring() {
    return current.values().stream().map(Entry::transition)
        .filter(t -> t.status() == AlertStatus.FIRING && t.page()).toList();
  }

  public long count(AlertStatus status) {
    return current.values().stream().filter(e -> e.transition().status() == status).count();
  }

  /** {@code {"alerts":[...]}}, the latest transition of each alert under way, by alert id. */
  public String json() {
    List<AlertTransition> alerts = current.values().stream().map(Entry::transition)
        .sorted(Comparator.comparing(AlertTransition::alertId)).toList();
    try {
      return JsonPost.JSON.writeValueAsString(Map.of("alerts", alerts));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
