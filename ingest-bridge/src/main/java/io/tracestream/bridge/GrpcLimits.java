package io.tracestream.bridge;

import java.time.Duration;

/**
 * Bounds on what one HTTP/2 connection may take of the gRPC server: concurrent calls (more streams are
 * refused with REFUSED_STREAM), RST_STREAM frames per window (more close the connection with GOAWAY
 * ENHANCE_YOUR_CALM: HTTP/2 rapid reset, CVE-2023-44487), an idle and a maximum age, and how often a
 * client may ping.
 */
record GrpcLimits(int maxConcurrentCalls, int maxRstFrames, Duration rstWindow, Duration maxConnectionIdle,
    Duration maxConnectionAge, Duration permitKeepAliveTime) {}
