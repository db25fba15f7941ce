package io.tracestream.topology;

import java.util.List;

/**
 * The samples of every span of one input record, in its order: one record through the decoder's branches to
 * the {@link SpanPreAggregator} instead of one per span (each record a processor node passes costs about as
 * much as the aggregation of a span). The record's timestamp is the latest end among them.
 */
record SpanSamples(List<SpanSample> samples) implements Decoded {}
