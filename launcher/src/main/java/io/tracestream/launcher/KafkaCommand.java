package io.tracestream.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = "Single-node Kafka broker and controller (KRaft) for hosts without a Kafka cluster; "
        + "kafka.server.* keys are broker properties.")
final class KafkaCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    // any TRACESTREAM_KAFKA_SERVER_X_Y environment variable is read as kafka.server.x.y
    KafkaServerConfig config = KafkaServerConfig.from(options.resolve(System.getenv(), Part.KAFKA.keys));
    EmbeddedKafka kafka = EmbeddedKafka.start(config);
    return Lifecycle.runUntilShutdown(kafka, "kafka");
  }
}
