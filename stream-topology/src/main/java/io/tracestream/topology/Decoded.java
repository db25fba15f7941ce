package io.tracestream.topology;

/** What the decoder makes of one input record: spans to measure, or a poison record for the DLQ. */
sealed interface Decoded permits SpanSample, Decoded.Poison {

  /** The input record as received; its headers name the error. */
  record Poison(byte[] value) implements Decoded {}
}
