package io.tracestream.topology;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * On the way of spans re-keyed by trace id (from null-key records) to the {@code spans-by-trace}
 * repartition topic: passes them on, each marked with this input task ({@link Progress#SOURCE_HEADER}),
 * and, once the task has re-keyed any, sends after them every second its {@link Progress}, as its span
 * pre-aggregation last saved it. Trace assembly waits for the progress of every input task that has
 * re-keyed spans to it before it lets trace and edge windows close; a task that never re-keys (every
 * record keyed by its trace id, as the bridge writes them) sends nothing here.
 * The saved progress may be a second behind the task's: a lower report only holds a window longer.
 */
final class RekeyedSpansProgress extends ContextualProcessor<byte[], TraceSpans, byte[], TraceSpans> {
  private static final byte[] NO_KEY = new byte[0];
  private static final String REKEYS = "rekeys";

  private final int inputPartitions;
  private final Progress.Sender<byte[], TraceSpans> progress;
  private KeyValueStore<String, Long> saved;
  private Progress source;
  private boolean rekeys;

  RekeyedSpansProgress(int inputPartitions) {
    this.inputPartitions = inputPartitions;
    this.progress = new Progress.Sender<>(NO_KEY, inputPartitions);
  }

  @Override
  public void init(ProcessorContext<byte[], TraceSpans> context) {
    super.init(context);
    saved = context.getStateStore(SpanPreAggregator.PROGRESS_STORE);
    rekeys = saved.get(REKEYS) != null;
    source = new Progress(context.taskId().partition(), inputPartitions, Progress.NONE);
    context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      if (rekeys) {
        Long time = saved.get(SpanPreAggregator.PROGRESS);
        progress.send(context(), time == null ? Progress.NONE : time);
      }
    });
  }

  @Override
  public void process(Record<byte[], TraceSpans> record) {
    if (!rekeys) {
      rekeys = true;
      saved.put(REKEYS, 1L);
    }
    context().forward(record.withHeaders(source.headers(Progress.SOURCE_HEADER)));
  }
}
