package io.tracestream.launcher;

import io.tracestream.alerting.AlertingApp;
import io.tracestream.alerting.AlertingConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "alerting", mixinStandardHelpOptions = true,
    description = "Evaluates alert rules on the committed window results, writes transitions to tracestream.alerts "
        + "and delivers them to Alertmanager, a JSON webhook and Slack.")
final class AlertingCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    AlertingConfig config = AlertingConfig.from(options.resolve(System.getenv(), Part.ALERTING.keys));
    AlertingApp app = AlertingApp.start(config);
    return Lifecycle.runUntilShutdown(app, "alerting");
  }
}
