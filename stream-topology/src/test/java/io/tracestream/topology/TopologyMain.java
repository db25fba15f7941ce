package io.tracestream.topology;

import io.tracestream.config.Settings;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** A topology process for the fault tests: settings as {@code key=value} arguments; runs until killed. */
public final class TopologyMain {
  private TopologyMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> values = new HashMap<>();
    for (String arg : args) {
      values.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    TopologyApp app = TopologyApp.start(TopologyConfig.from(Settings.of(values)));
    Runtime.getRuntime().addShutdownHook(new Thread(app::close));
    new CountDownLatch(1).await();
  }
}
