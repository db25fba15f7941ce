package io.tracestream.launcher;

import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
import io.tracestream.config.Settings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import kafka.server.KafkaConfig;

/**
 * Settings of the single-node KRaft broker ({@code kafka} subcommand): every {@code kafka.server.X} key is
 * broker property X, over defaults fit for one node that is both broker and controller.
 */
record KafkaServerConfig(Map<String, String> brokerProperties, Optional<String> clusterId) {
  static final String PREFIX = "kafka.server.";
  static final String CONTROLLER = "CONTROLLER";

  static final List<ConfigKey> KEYS = List.of(
      new ConfigKey("kafka.server.node.id", "1", "node id of this broker and controller"),
      new ConfigKey("kafka.server.listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:19093",
          "client listener and controller listener; clients use the first one that is not CONTROLLER"),
      new ConfigKey("kafka.server.log.dirs", "./data/kafka", "where partitions and the metadata log live; formatted on first start"),
      new ConfigKey("kafka.server.cluster.id", null, "cluster id written when the log dirs are formatted; a random one when unset; a formatted dir keeps its own"),
      new ConfigKey("kafka.server.num.partitions", "6", "partitions of automatically created topics (Kafka's default is 1)"));

  /** Broker properties the single-node layout needs; each can be overridden with its kafka.server.* key. */
  private static final Map<String, String> SINGLE_NODE = Map.ofEntries(
      Map.entry("process.roles", "broker,controller"),
      Map.entry("node.id", "1"),
      Map.entry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:19093"),
      Map.entry("controller.listener.names", CONTROLLER),
      Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
      Map.entry("log.dirs", "./data/kafka"),
      Map.entry("num.partitions", "6"),
      Map.entry("offsets.topic.replication.factor", "1"),
      Map.entry("transaction.state.log.replication.factor", "1"),
      Map.entry("transaction.state.log.min.isr", "1"),
      Map.entry("share.coordinator.state.topic.replication.factor", "1"),
      Map.entry("share.coordinator.state.topic.min.isr", "1"));

  static KafkaServerConfig from(Settings settings) {
    Map<String, String> props = new LinkedHashMap<>(SINGLE_NODE);
    Set<String> known = Set.copyOf(scala.jdk.javaapi.CollectionConverters.asJava(KafkaConfig.configNames()));
    String clusterId = null;
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(settings.asMap()).entrySet()) {
      if (!e.getKey().startsWith(PREFIX)) {
        continue;
      }
      String name = e.getKey().substring(PREFIX.length());
      if (name.equals("cluster.id")) {
        clusterId = e.getValue().isBlank() ? null : e.getValue().trim();
        continue;
      }
      // listener.name.<listener>.<config> overrides are not in the static config names
      if (!known.contains(name) && !name.startsWith("listener.name.")) {
        throw new ConfigException(e.getKey(), "not a Kafka broker property (" + name + "); see kafka.apache.org/documentation/#brokerconfigs");
      }
      props.put(name, e.getValue().trim());
    }
    props.putIfAbsent("controller.quorum.voters", props.get("node.id") + "@" + controllerAddress(props));
    try {
      Integer.parseInt(props.get("node.id"));
    } catch (NumberFormatException e) {
      throw new ConfigException(PREFIX + "node.id", "expected an integer, got '" + props.get("node.id") + "'");
    }
    clientAddress(props);
    return new KafkaServerConfig(Map.copyOf(props), Optional.ofNullable(clusterId));
  }

  /** host:port of the first listener that is not a controller listener: what clients bootstrap from. */
  String bootstrapServers() {
    return clientAddress(brokerProperties);
  }

  private static String controllerAddress(Map<String, String> props) {
    String controllerName = props.get("controller.listener.names").split(",")[0].trim();
    return listeners(props).entrySet().stream()
        .filter(l -> l.getKey().equals(controllerName))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new ConfigException(PREFIX + "listeners",
            "needs a " + controllerName + ":// listener for the controller, got '" + props.get("listeners") + "'"));
  }

  private static String clientAddress(Map<String, String> props) {
    List<String> controllerNames = List.of(props.get("controller.listener.names").split("\\s*,\\s*"));
    return listeners(props).entrySet().stream()
        .filter(l -> !controllerNames.contains(l.getKey()))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new ConfigException(PREFIX + "listeners",
            "needs a client listener such as PLAINTEXT://127.0.0.1:9092, got '" + props.get("listeners") + "'"));
  }

  /** Listener name to host:port, in order. */
  private static Map<String, String> listeners(Map<String, String> props) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String listener : props.get("listeners").split(",")) {
      String l = listener.trim();
      int sep = l.indexOf("://");
      if (sep <= 0) {
        throw new ConfigException(PREFIX + "listeners", "expected NAME://host:port entries, got '" + l + "'");
      }
      String hostPort = l.substring(sep + 3);
      out.put(l.substring(0, sep).toUpperCase(java.util.Locale.ROOT), hostPort.startsWith(":") ? "127.0.0.1" + hostPort : hostPort);
    }
    return out;
  }
}
