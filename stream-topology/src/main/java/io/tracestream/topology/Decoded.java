package io.tracestream.topology;

/** What the decoder makes of one input record: spans to measure, spans to assemble by trace, or a poison record for the DLQ. */
sealed interface Decoded permits SpanSamples, TraceSpans, Decoded.Poison {

  /** The input record as received; its headers name the error. */
  record Poison(byte[] value) implements Decoded {}
}
