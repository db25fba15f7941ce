package io.tracestream.alerting;

import io.tracestream.alerting.rules.AlertRule;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.alerting.rules.Signal;
import io.tracestream.alerting.rules.Templates;
import io.tracestream.alerting.state.AlertState;
import io.tracestream.alerting.state.AlertStateMachine;
import io.tracestream.alerting.state.AlertStatus;
import io.tracestream.alerting.state.Change;
import io.tracestream.alerting.state.Phase;
import io.tracestream.topology.model.Exemplar;
import io.tracestream.topology.model.JsonSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Evaluates the rules, one {@link AlertStateMachine} per (rule, series), on closed windows.
 *
 * <p>Contributions to one alert series and window (status codes of an operation, ...) are buffered in
 * {@link #WINDOWS_STORE} and merged; the window is evaluated when a contribution of a later window of
 * the same series arrives, or when no contribution came for {@code settle} of wall-clock time (the
 * topology writes all results of a window together, so they arrive within moments). A series that
 * sends nothing while the event time of its input (span, trace or edge results) on the task moves two
 * windows past its last one gets its missing windows evaluated as having no data. The machines' states
 * live in {@link #STATES_STORE}; both stores are changelogged and written in the same transaction as the
 * transitions (exactly_once_v2), so a restart resumes exactly where the last commit left off.
 */
final class EvaluatorProcessor implements Processor<String, Observation, String, AlertTransition> {
  static final String WINDOWS_STORE = "alert-windows";
  static final String STATES_STORE = "alert-states";
  static final JsonSerde<Buffered> BUFFERED = JsonSerde.of(Buffered.class);
  static final JsonSerde<StoredAlert> STORED = JsonSerde.of(StoredAlert.class);
  private static final String SEP = "\u0000";
  private static final Duration PUNCTUATE_EVERY = Duration.ofSeconds(1);

  /** One window's merged contributions to one alert series, and when the last one came (wall clock). */
  record Buffered(Observation observation, long updatedAt) {}

  /**
   * The state machine of one alert series, with what identifies it, and whether the current episode's
   * firing was paged (its resolve is paged exactly when its firing was).
   */
  record StoredAlert(String rule, Map<String, String> labels, AlertState state, long windowMs, boolean firingPaged) {}

  private final RuleSet rules;
  private final Duration settle;
  private final Duration pageMaxAge;
  private final EvaluatorMetrics metrics;
  private final TraceLink traceLink;
  private final Map<String, AlertStateMachine> machines = new HashMap<>();
  private ProcessorContext<String, AlertTransition> context;
  private KeyValueStore<String, Buffered> windows;
  private KeyValueStore<String, StoredAlert> states;
  /**
   * The latest window end this task evaluated, per input (span, trace or edge results: the trace results
   * of a window come later than its span results); not kept across restarts, it only drives missing windows.
   */
  private final Map<Signal.Source, Long> eventTime = new EnumMap<>(Signal.Source.class);

  /** @param traceLink the link of a firing alert's example trace, in its annotations */
  EvaluatorProcessor(RuleSet rules, Duration settle, Duration pageMaxAge, EvaluatorMetrics metrics,
      TraceLink traceLink) {
    this.traceLink = traceLink;
    this.rules = rules;
    this.settle = settle;
    this.pageMaxAge = pageMaxAge;
    this.metrics = metrics;
    for (AlertRule rule : rules.rules()) {
      machines.put(rule.name(), new AlertStateMachine(rule.forDuration(), rule.keepFiringFor()));
    }
  }

  @Override
  public void init(ProcessorContext<String, AlertTransition> context) {
    this.context = context;
    this.windows = context.getStateStore(WINDOWS_STORE);
    this.states = context.getStateStore(STATES_STORE);
    context.schedule(PUNCTUATE_EVERY, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
  }

  @Override
  public void process(Record<String, Observation> record) {
    String alertId = record.key();
    Observation obs = record.value();
    if (alertId == null || obs == null || rules.rule(obs.rule()).isEmpty()) {
      metrics.skipped("unknown_rule");
      return;
    }
    StoredAlert stored = states.get(alertId);
    if (stored != null && obs.windowEnd() <= stored.state().lastSeenEnd()) {
      metrics.skipped("late");
      return;
    }
    // A contribution of a later window: the earlier windows of this series are complete.
    List<KeyValue<String, Buffered>> earlier = new ArrayList<>();
    try (KeyValueIterator<String, Buffered> it = windows.prefixScan(alertId + SEP, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, Buffered> e = it.next();
        if (e.value.observation().windowStart() < obs.windowStart()) {
          earlier.add(e);
        }
      }
    }
    for (KeyValue<String, Buffered> e : earlier) {
      windows.delete(e.key);
      evaluate(alertId, e.value.observation());
    }
    String key = bufferKey(alertId, obs.windowStart());
    Buffered existing = windows.get(key);
    Observation merged;
    try {
      merged = existing == null ? obs : existing.observation().merge(obs);
    } catch (IllegalArgumentException e) {
      metrics.skipped("bad_sketch");
      return;
    }
    windows.put(key, new Buffered(merged, context.currentSystemTimeMs()));
  }

  private static String bufferKey(String alertId, long windowStart) {
    return alertId + SEP + String.format("%020d", windowStart); // zero-padded: windows of a series in order
  }

  private void punctuate(long now) {
    List<KeyValue<String, Buffered>> settled = new ArrayList<>();
    try (KeyValueIterator<String, Buffered> it = windows.all()) {
      while (it.hasNext()) {
        KeyValue<String, Buffered> e = it.next();
        if (e.value.updatedAt() + settle.toMillis() <= now) {
          settled.add(e);
        }
      }
    }
    for (KeyValue<String, Buffered> e : settled) { // key order: a series' windows oldest first
      windows.delete(e.key);
      evaluate(e.key.substring(0, e.key.lastIndexOf(SEP)), e.value.observation());
    }
    sweep();
  }

  /**
   * Missing windows of series gone quiet, and alerts of rules no longer in the file. A series' window is
   * missing once the event time of its own input (span, trace or edge results) moved two windows past it:
   * the trace results of a window come well after its span results, and must not make it look missing.
   */
  private void sweep() {
    List<KeyValue<String, StoredAlert>> all = new ArrayList<>();
    try (KeyValueIterator<String, StoredAlert> it = states.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, StoredAlert> e : all) {
      StoredAlert stored = e.value;
      AlertRule rule = rules.rule(stored.rule()).orElse(null);
      if (rule == null) {
        if (stored.state().phase() == Phase.FIRING) { // resolve what nobody would ever resolve
          long end = Math.max(stored.state().lastSeenEnd(),
              eventTime.values().stream().mapToLong(Long::longValue).max().orElse(-1));
          emit(e.key, stored, null, new Change(AlertStatus.RESOLVED, stored.state().lastSeenEnd(), end, Double.NaN,
              stored.state().activeSince(), stored.state().firedAt()), stored.firingPaged(), null);
        }
        states.delete(e.key);
        continue;
      }
      long until = eventTime.getOrDefault(rule.signal().source(), -1L) - stored.windowMs();
      if (stored.state().phase() != Phase.INACTIVE && stored.state().lastSeenEnd() < until
          && !hasBuffered(e.key)) { // a window still settling is data, not a gap
        AlertStateMachine.Result r = machines.get(rule.name()).noData(stored.state(), until, stored.windowMs());
        apply(e.key, stored, rule, r, null);
      }
    }
  }

  private boolean hasBuffered(String alertId) {
    try (KeyValueIterator<String, Buffered> it = windows.prefixScan(alertId + SEP, new StringSerializer())) {
      return it.hasNext();
    }
  }

  private void evaluate(String alertId, Observation obs) {
    AlertRule rule = rules.rule(obs.rule()).orElse(null);
    if (rule == null) {
      metrics.skipped("unknown_rule");
      return;
    }
    StoredAlert stored = states.get(alertId);
    if (stored == null) {
      stored = new StoredAlert(rule.name(), obs.labels(), AlertState.initial(), obs.windowEnd() - obs.windowStart(),
          false);
    }
    double value;
    try {
      value = value(rule, obs);
    } catch (IllegalArgumentException e) {
      metrics.skipped("bad_sketch");
      value = Double.NaN;
    }
    boolean breached = obs.count() >= rule.minCount() && !Double.isNaN(value) && rule.breached(value);
    AlertStateMachine.Result r = machines.get(rule.name())
        .observe(stored.state(), obs.windowStart(), obs.windowEnd(), value, breached);
    if (r.late()) {
      metrics.skipped("late");
      return;
    }
    apply(alertId, stored, rule, r, obs.example());
    eventTime.merge(rule.signal().source(), obs.windowEnd(), Math::max);
  }

  /** Writes the transitions of one step, then its state; {@code example} is the step's window's exemplar or null. */
  private void apply(String alertId, StoredAlert stored, AlertRule rule, AlertStateMachine.Result r,
      Exemplar example) {
    boolean firingPaged = stored.firingPaged();
    for (Change c : r.changes()) {
      boolean paged = emit(alertId, stored, rule, c, firingPaged, example);
      if (c.status() == AlertStatus.FIRING) {
        firingPaged = paged;
      }
    }
    if (r.state().phase() == Phase.INACTIVE) {
      states.delete(alertId); // nothing to remember: keeps the store as small as the alerts under way
    } else {
      states.put(alertId, new StoredAlert(stored.rule(), stored.labels(), r.state(), stored.windowMs(), firingPaged));
    }
  }

  /** The value of a rule's signal over one window, in its base unit. */
  static double value(AlertRule rule, Observation obs) {
    return switch (rule.signal()) {
      case SPAN_LATENCY, TRACE_LATENCY -> obs.sketch() == null ? Double.NaN
          : Observation.decode(obs.sketch()).quantile(rule.quantile());
      case ERROR_RATIO, TRACE_ERROR_RATIO, EDGE_FAILURE_RATIO -> obs.count() == 0 ? Double.NaN
          : (double) obs.errors() / obs.count();
      case CALL_RATE -> obs.count() * 1000.0 / Math.max(1, obs.windowEnd() - obs.windowStart());
    };
  }

  /**
   * Forwards one transition; returns whether it is paged: a firing whose window is not older than the
   * page age, and the resolve of a firing that was paged (however late: people want to know it is over).
   */
  private boolean emit(String alertId, StoredAlert stored, AlertRule rule, Change c, boolean firingPaged,
      Exemplar example) {
    long now = context.currentSystemTimeMs();
    boolean page = switch (c.status()) {
      case FIRING -> c.windowEnd() >= now - pageMaxAge.toMillis();
      case RESOLVED -> firingPaged;
      default -> false;
    };
    Double value = Double.isNaN(c.value()) ? null : c.value();
    Map<String, String> labels = new TreeMap<>(stored.labels());
    Map<String, String> annotations = new LinkedHashMap<>();
    String valueText = "no data";
    if (rule != null) {
      labels.putAll(rule.labels());
      labels.put("severity", rule.severity());
      if (value != null) {
        valueText = Templates.format(rule.signal().unit(), value);
      }
      Map<String, String> values = new HashMap<>(stored.labels());
      values.put("value", valueText);
      values.put("threshold", rule.thresholdText());
      values.put("rule", rule.name());
      values.put("severity", rule.severity());
      rule.annotations().forEach((k, v) -> annotations.put(k, Templates.render(v, values)));
    } else {
      annotations.put("summary", "rule " + stored.rule() + " was removed from the rule file");
    }
    exampleTrace(annotations, c, example);
    labels.put("alertname", stored.rule());
    AlertTransition t = new AlertTransition(
        AlertTransition.idempotencyKey(alertId, c.activeSince(), c.status()), alertId, stored.rule(), c.status(),
        rule == null ? null : rule.signal().ruleName(), value, valueText,
        rule == null ? null : rule.operator().symbol(), rule == null ? Double.NaN : rule.threshold(),
        rule == null ? null : rule.thresholdText(), labels, annotations, c.windowStart(), c.windowEnd(),
        c.activeSince(), c.firedAt(), page, now);
    metrics.transition(c.status(), page);
    context.forward(new Record<>(alertId, t, now));
    return page;
  }

  /**
   * A firing's example trace, from the window that made it fire: its id ({@code trace_id}) and link
   * ({@code trace_url}, {@code alerting.trace.link.template}).
   */
  private void exampleTrace(Map<String, String> annotations, Change c, Exemplar example) {
    if (c.status() == AlertStatus.FIRING && example != null) {
      annotations.put("trace_id", example.traceId());
      annotations.put("trace_url", traceLink.url(example.traceId()));
    }
  }
}
