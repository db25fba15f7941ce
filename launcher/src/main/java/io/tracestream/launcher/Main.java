package io.tracestream.launcher;

import io.tracestream.config.ConfigException;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar tracestream.jar <subcommand>}: one jar, a subcommand per part. */
@Command(name = "tracestream", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "OpenTelemetry spans to Kafka, RED metrics, trace SLAs, dependency edges and alerts.",
    subcommands = {AllInOneCommand.class, BridgeCommand.class, TopologyCommand.class, AlertingCommand.class,
        RulesCommand.class, ReplayCommand.class, KafkaCommand.class, ConfigCommand.class,
        AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class})
public final class Main {
  /** Exit code of a configuration error, which names the key. */
  static final int CONFIG_ERROR = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          if (e instanceof ConfigException) {
            cmd.getErr().println("configuration error: " + e.getMessage());
            return CONFIG_ERROR;
          }
          throw e;
        });
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"tracestream " + (v == null ? "dev" : v)};
    }
  }
}
