package io.tracestream.bridge;

import java.time.Duration;

/**
 * Bounds on the gRPC server: open connections, in all and from one address (more are closed as they are
 * accepted); the HTTP/2 flow-control window of each connection (data a client may send that no call has read
 * yet); how long a connection may take to begin HTTP/2 (a client that connects and sends nothing is closed
 * then); concurrent calls per connection (more streams are refused with REFUSED_STREAM); RST_STREAM frames per
 * window (more close the connection with GOAWAY ENHANCE_YOUR_CALM: HTTP/2 rapid reset, CVE-2023-44487); an
 * idle and a maximum age; and how often a client may ping.
 */
record GrpcLimits(int maxConnections, int maxConnectionsPerAddress, int flowControlWindow, Duration handshakeTimeout,
    Duration readTimeout, int maxConcurrentCalls, int maxRstFrames, Duration rstWindow, Duration maxConnectionIdle,
    Duration maxConnectionAge, Duration permitKeepAliveTime) {

  /** The HTTP/2 default initial window; a smaller one would not bound the connection's window. */
  static final int MIN_FLOW_CONTROL_WINDOW = 65_535;

  /** What the connections' flow-control windows may hold at most: reserved from the memory budget at start. */
  long reservedBytes() {
    return (long) maxConnections * flowControlWindow;
  }
}
