package io.tracestream.launcher;

import io.tracestream.alerting.rules.PrometheusRules;
import io.tracestream.alerting.rules.RuleFileException;
import io.tracestream.alerting.rules.RuleSet;
import io.tracestream.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rules", mixinStandardHelpOptions = true,
    description = "Alert rule files: check one, export it as Prometheus alerting rules, or backtest it on a backfill.",
    subcommands = {RulesCommand.Check.class, RulesCommand.Export.class, BacktestCommand.class})
final class RulesCommand {

  /** A rule file error as a configuration error: exit code 2, the message names file and line. */
  static RuleSet load(Path file) {
    try {
      return RuleSet.load(file);
    } catch (RuleFileException e) {
      throw new ConfigException(null, e.getMessage());
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Validates a rule file; prints the line and the reason of the first error (exit code 2).")
  static final class Check implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the YAML rule file")
    Path file;

    @Override
    public Integer call() {
      RuleSet rules = load(file);
      spec.commandLine().getOut().println(file + ": " + rules.size() + " rules OK");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Writes the equivalent Prometheus alerting rules over the exported metrics "
          + "(promtool check rules accepts them).")
  static final class Export implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "prometheus")
    String format;

    @Option(names = "--output", paramLabel = "FILE", description = "write here instead of standard output")
    Path output;

    @Option(names = "--group", defaultValue = "tracestream",
        description = "the rule group's name (default: ${DEFAULT-VALUE})")
    String group;

    @Option(names = "--range", defaultValue = "5m",
        description = "range of rate() in the expressions (default: ${DEFAULT-VALUE})")
    String range;

    @Parameters(paramLabel = "FILE", description = "the YAML rule file")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (!"prometheus".equals(format)) {
        throw new ConfigException("--format", "only 'prometheus' is supported, got '" + format + "'");
      }
      Duration rangeDuration = io.tracestream.config.Settings.of(java.util.Map.of("--range", range))
          .duration("--range", Duration.ofMinutes(5));
      String yaml;
      try {
        yaml = PrometheusRules.export(load(file), group, rangeDuration);
      } catch (IllegalArgumentException e) {
        if (e instanceof ConfigException) {
          throw e;
        }
        throw new ConfigException(null, file + ": " + e.getMessage());
      }
      if (output == null) {
        spec.commandLine().getOut().print(yaml);
        spec.commandLine().getOut().flush();
      } else {
        Files.writeString(output, yaml, StandardCharsets.UTF_8);
      }
      return 0;
    }
  }
}
