package io.tracestream.bridge;

import io.tracestream.config.Settings;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A bridge process for tests that need it in a JVM of its own (a small heap): settings as
 * {@code key=value} arguments; prints its ports once they are bound; runs until stopped.
 */
public final class BridgeMain {
  /** The line {@link BridgeProcess} waits for; with port 0 the numbers are known only once bound. */
  static final String PORTS = "bridge-main ports";

  private BridgeMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> values = new HashMap<>();
    for (String arg : args) {
      values.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(values)));
    Runtime.getRuntime().addShutdownHook(new Thread(bridge::close));
    System.out.println(PORTS + " grpc=" + bridge.grpcPort() + " http=" + bridge.httpPort() + " admin=" + bridge.adminPort());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
