package io.tracestream.launcher;

import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.io.PrintWriter;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tracestream config PART}: every key of a part with its default and meaning, or the effective values. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = {"Lists every configuration key of a part: name, default, environment variable and meaning.",
        "With --effective: the values the part would run with (defaults, then --config, TRACESTREAM_* "
            + "environment variables and --set), secrets masked."})
final class ConfigCommand implements Callable<Integer> {
  /** Values of keys whose names match are shown as {@value #MASK}: passwords, tokens, JAAS configs, webhook URLs. */
  static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|token|jaas|credential|webhook\\.url|slack).*");
  static final String MASK = "******";

  @Parameters(index = "0", paramLabel = "PART", converter = PartConverter.class,
      description = "bridge, topology, alerting, replay, kafka or all-in-one")
  Part part;

  @Option(names = "--effective", description = "print the resolved values (key=value), secrets masked")
  boolean effective;

  @Mixin
  ConfigOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (effective) {
      effective(out, options.resolve(System.getenv(), part.keys));
    } else {
      list(out);
    }
    out.flush();
    return 0;
  }

  private void list(PrintWriter out) {
    out.printf("# %d keys of %s; every key can also be set as its environment variable, and kafka.* keys "
        + "are passed to the Kafka clients as they are%n", part.keys.size(), part);
    for (ConfigKey key : part.keys) {
      out.printf("%s%n    default: %s%n    env:     %s%n    %s%n", key.name(),
          key.defaultValue() == null ? "(none)" : key.defaultValue(), key.environmentName(), key.description());
    }
  }

  private void effective(PrintWriter out, Settings settings) {
    Map<String, String> given = new TreeMap<>(settings.asMap());
    for (ConfigKey key : part.keys) {
      String value = given.remove(key.name());
      if (value != null) {
        out.printf("%s=%s%n", key.name(), masked(key.name(), value));
      } else {
        out.printf("%s=%s  # default%n", key.name(), key.defaultValue() == null ? "" : key.defaultValue());
      }
    }
    // kafka.* client properties and keys of other parts (all-in-one's file may hold them all)
    given.forEach((name, value) -> out.printf("%s=%s%n", name, masked(name, value)));
  }

  static String masked(String key, String value) {
    return SECRET.matcher(key).matches() && !value.isEmpty() ? MASK : value;
  }

  static final class PartConverter implements picocli.CommandLine.ITypeConverter<Part> {
    @Override
    public Part convert(String value) {
      return Part.of(value);
    }
  }
}
