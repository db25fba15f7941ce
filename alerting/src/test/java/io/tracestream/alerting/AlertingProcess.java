package io.tracestream.alerting;

import io.tracestream.config.Settings;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** The alerting app as a process of its own, for the test that kills it: {@code key=value} arguments. */
public final class AlertingProcess {
  private AlertingProcess() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> settings = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      settings.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    AlertingApp.start(AlertingConfig.from(Settings.of(settings)));
    new CountDownLatch(1).await(); // until killed
  }
}
