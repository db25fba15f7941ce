package io.tracestream.launcher;

import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --set}, shared by every subcommand; env overrides sit between them. */
final class ConfigOptions {
  @Option(names = "--config", paramLabel = "FILE",
      description = "properties file; `tracestream config PART` lists every key with its default and meaning")
  Path config;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "override one key (repeatable); wins over the file and TRACESTREAM_* environment variables")
  List<String> sets = new ArrayList<>();

  /** The settings of a part, from its {@code keys}; applies the {@code log.*} keys to logging on the way. */
  Settings resolve(Map<String, String> environment, Collection<ConfigKey> keys) {
    Settings settings = Settings.resolve(config, environment, sets, keys);
    Logging.configure(settings);
    return settings;
  }
}
