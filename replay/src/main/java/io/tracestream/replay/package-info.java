/**
 * Replay of historical spans with their original time: sources (span files, a past Kafka time
 * range), targets (the live spans topic or a backfill run), pacing, progress, and the history of a
 * backfill's window results to Prometheus by remote write.
 */
package io.tracestream.replay;
