package io.tracestream.alerting;

import io.tracestream.config.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** The alerting app as a process of its own, for the tests that kill it: {@code key=value} arguments. */
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

  /** Starts the app in a child JVM on the test's class path, its output to {@code log}. */
  static Process start(Map<String, String> settings, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), AlertingProcess.class.getName()));
    settings.forEach((k, v) -> command.add(k + "=" + v));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
