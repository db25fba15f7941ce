package io.tracestream.launcher;

import io.tracestream.alerting.AlertingConfig;
import io.tracestream.alerting.Backtest;
import io.tracestream.alerting.BacktestReport;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import io.tracestream.replay.ReplayConfig;
import io.tracestream.replay.backfill.Backfill;
import io.tracestream.replay.backfill.ResultTopics;
import io.tracestream.topology.TopologyConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rules backtest RULES --backfill NAME}: the rules over a backfill's window results, in event time,
 * with the live evaluator (alerting/README.md, "Backtest").
 */
@Command(name = "backtest", mixinStandardHelpOptions = true,
    description = {"Evaluates a rule file over backfill NAME's window results in event time, as live alerting would"
        + " have: prints per rule when each alert series went pending, fired and resolved, and writes the transitions"
        + " to backfill.NAME.<topic.alerts>, replacing an earlier backtest's. Exit code 1 when the backfill does not"
        + " exist or holds no window results, 2 for a bad rule file."})
final class BacktestCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions options;

  @Parameters(paramLabel = "RULES", description = "the YAML rule file")
  Path rulesFile;

  @Option(names = "--backfill", required = true, paramLabel = "NAME",
      description = "the backfill run (replay --backfill NAME) whose window results to read")
  String backfill;

  @Override
  public Integer call() throws InterruptedException {
    RuleSet rules = RulesCommand.load(rulesFile); // exit code 2 with file:line, as rules check
    List<ConfigKey> keys = new ArrayList<>(Part.REPLAY.keys); // the backfill's topics and windows
    keys.addAll(Part.ALERTING.keys); // settle, page age, the live alerts topic's name
    Settings settings = options.resolve(System.getenv(), keys);
    ReplayConfig replay = ReplayConfig.from(settings);
    TopologyConfig run = Backfill.config(backfill, settings, replay.backfillIdleClose());
    Map<String, String> values = new HashMap<>(settings.asMap());
    values.put("alerting.rules.file", rulesFile.toString());
    values.put("topic.span-metrics", run.spanMetricsTopic());
    values.put("topic.trace-metrics", run.traceMetricsTopic());
    values.put("topic.edges", run.edgesTopic());
    String alerts = Backfill.topicPrefix(backfill) + settings.string("topic.alerts", "tracestream.alerts");
    values.put("topic.alerts", alerts);
    Backtest backtest = new Backtest(AlertingConfig.from(Settings.of(values)));

    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<String> missing;
    try {
      missing = missing(run, backtest.inputTopics());
    } catch (ExecutionException e) {
      err.println("cannot list the topics of backfill '" + backfill + "' at " + run.kafka().get("bootstrap.servers")
          + ": " + e.getCause().getMessage());
      return 1;
    }
    if (!missing.isEmpty()) {
      err.println("no backfill '" + backfill + "': topics " + missing + " do not exist (replay --backfill "
          + backfill + " writes them)");
      return 1;
    }
    List<Backtest.Input> inputs = new ArrayList<>();
    for (String topic : backtest.inputTopics()) {
      for (ResultTopics.Entry e : ResultTopics.read(run.kafka(), topic)) {
        inputs.add(new Backtest.Input(topic, bytes(e.key()), bytes(e.value())));
      }
    }
    if (inputs.isEmpty()) {
      err.println("backfill '" + backfill + "' holds no window results in " + backtest.inputTopics()
          + ": nothing to backtest");
      return 1;
    }
    Backtest.Outcome outcome = backtest.run(inputs);
    BacktestReport.print(rules, outcome, inputs.size(), out);
    Backfill.replaceTopic(run, alerts, Backtest.records(outcome.transitions()));
    out.println("backtest: " + outcome.transitions().size() + " transitions written to " + alerts);
    out.flush();
    return 0;
  }

  private static List<String> missing(TopologyConfig run, List<String> topics)
      throws ExecutionException, InterruptedException {
    Map<String, Object> admin = new HashMap<>(run.kafka());
    admin.keySet().retainAll(AdminClientConfig.configNames());
    try (Admin client = Admin.create(admin)) {
      Set<String> existing = client.listTopics().names().get();
      return topics.stream().filter(t -> !existing.contains(t)).toList();
    }
  }

  private static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}
