package io.tracestream.launcher;

import io.tracestream.alerting.AlertingConfig;
import io.tracestream.bridge.BridgeConfig;
import io.tracestream.config.ConfigKey;
import io.tracestream.replay.ReplayConfig;
import io.tracestream.topology.TopologyConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** The runnable parts, each with the configuration keys its subcommand reads: one list per part. */
enum Part {
  BRIDGE(BridgeConfig.KEYS),
  TOPOLOGY(TopologyConfig.KEYS),
  ALERTING(AlertingConfig.KEYS),
  REPLAY(TopologyConfig.KEYS, ReplayConfig.KEYS),
  KAFKA(KafkaServerConfig.KEYS),
  ALL_IN_ONE(BridgeConfig.KEYS, TopologyConfig.KEYS, AlertingConfig.KEYS, KafkaServerConfig.KEYS);

  final List<ConfigKey> keys;

  @SafeVarargs
  Part(List<ConfigKey>... keys) {
    Map<String, ConfigKey> byName = new LinkedHashMap<>(); // parts share kafka.bootstrap.servers and topic.*
    Stream.concat(Stream.of(keys).flatMap(List::stream), Logging.KEYS.stream())
        .forEach(k -> byName.putIfAbsent(k.name(), k));
    this.keys = List.copyOf(byName.values());
  }

  /** The subcommand's name. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static Part of(String name) {
    for (Part part : values()) {
      if (part.toString().equals(name)) {
        return part;
      }
    }
    throw new IllegalArgumentException("no part '" + name + "': one of bridge, topology, alerting, replay, kafka, "
        + "all-in-one");
  }
}
