package io.tracestream.replay;

/** How far a source has read: bytes of files, or records of a Kafka range. */
public interface ProgressSource {
  long done();

  /** The whole, or -1 when unknown (stdin). */
  long total();

  /** What {@link #done} counts, for the progress bar: bytes or records. */
  boolean countsBytes();
}
