package io.tracestream.topology;

import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * On the way of spans re-keyed by trace id (from null-key records) to the {@code spans-by-trace}
 * repartition topic: passes them on, and every second sends after them this input task's
 * {@link Progress}, as its span pre-aggregation last saved it. Trace assembly waits for the progress
 * of every input task that may still send it spans this way before it lets trace and edge windows close.
 * The saved progress may be a second behind the task's: a lower report only holds a window longer.
 */
final class RekeyedSpansProgress extends ContextualProcessor<byte[], TraceSpans, byte[], TraceSpans> {
  private static final byte[] NO_KEY = new byte[0];

  private final Progress.Sender<byte[], TraceSpans> progress;

  RekeyedSpansProgress(int inputPartitions) {
    this.progress = new Progress.Sender<>(NO_KEY, inputPartitions);
  }

  @Override
  public void init(ProcessorContext<byte[], TraceSpans> context) {
    super.init(context);
    KeyValueStore<String, Long> saved = context.getStateStore(SpanPreAggregator.PROGRESS_STORE);
    context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, wallMs -> {
      Long time = saved.get(SpanPreAggregator.PROGRESS);
      progress.send(context(), time == null ? Progress.NONE : time);
    });
  }

  @Override
  public void process(Record<byte[], TraceSpans> record) {
    context().forward(record);
  }
}
