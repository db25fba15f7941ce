package io.tracestream.launcher;

import io.tracestream.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka, broker and controller in one process (KRaft), run by Kafka's own server classes.
 * The log dirs are formatted on first start, as {@code kafka-storage.sh format} would; the cluster id then
 * lives in each dir's {@code meta.properties}, so a restart finds its data. Used by the {@code kafka}
 * subcommand, and meant for {@code all-in-one} too.
 */
final class EmbeddedKafka implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final String clusterId;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, String clusterId) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.clusterId = clusterId;
  }

  static EmbeddedKafka start(KafkaServerConfig config) throws Exception {
    Properties props = new Properties();
    props.putAll(config.brokerProperties());
    KafkaConfig kafkaConfig;
    try {
      kafkaConfig = KafkaConfig.fromProps(props, false);
    } catch (org.apache.kafka.common.config.ConfigException e) {
      throw new ConfigException(null, "Kafka broker: " + e.getMessage());
    }
    List<String> logDirs = kafkaConfig.logDirs();
    for (String dir : logDirs) {
      Files.createDirectories(Path.of(dir));
    }
    String clusterId = existingClusterId(logDirs)
        .orElseGet(() -> config.clusterId().orElseGet(() -> Uuid.randomUuid().toString()));
    format(kafkaConfig, logDirs, clusterId);

    KafkaRaftServer server = new KafkaRaftServer(kafkaConfig, Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      server.shutdown();
      server.awaitShutdown();
      throw e;
    }
    LOG.info("kafka: node {} of cluster {} serving clients on {}, log dirs {}",
        kafkaConfig.nodeId(), clusterId, config.bootstrapServers(), logDirs);
    return new EmbeddedKafka(server, config.bootstrapServers(), clusterId);
  }

  /** Writes meta.properties and the bootstrap metadata into dirs that have none; formatted dirs are left as they are. */
  private static void format(KafkaConfig config, List<String> logDirs, String clusterId) throws Exception {
    new Formatter()
        .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
        .setNodeId(config.nodeId())
        .setClusterId(clusterId)
        .setDirectories(logDirs)
        .setMetadataLogDirectory(config.metadataLogDir())
        .setControllerListenerName(config.controllerListenerNames().get(0))
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
        .setIgnoreFormatted(true)
        .run();
  }

  /** The cluster id of a dir formatted before, so that a dir added later joins the same cluster. */
  private static Optional<String> existingClusterId(List<String> logDirs) throws IOException {
    for (String dir : logDirs) {
      Path meta = Path.of(dir, "meta.properties");
      if (Files.isRegularFile(meta)) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(meta)) {
          p.load(r);
        }
        String id = p.getProperty("cluster.id");
        if (id != null && !id.isBlank()) {
          return Optional.of(id);
        }
      }
    }
    return Optional.empty();
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  String clusterId() {
    return clusterId;
  }

  /** Controlled shutdown: partitions and the metadata log are closed cleanly, so the next start does no recovery. */
  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    LOG.info("kafka: stopped");
  }
}
