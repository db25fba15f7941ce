package io.tracestream.launcher;

import io.tracestream.config.ConfigException;
import io.tracestream.launcher.demo.DemoTraffic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "all-in-one", mixinStandardHelpOptions = true,
    description = "Every part in one process: an embedded Kafka broker (or --kafka-bootstrap), the topology, "
        + "the alerting (default rules in DIR/alert-rules.yaml), the bridge on 4317/4318, and with --demo, "
        + "demo traffic. Takes the keys of every part.")
final class AllInOneCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Option(names = "--demo",
      description = "send demo traffic (a trading platform, a Kafka pipeline, a client library) through the bridge")
  boolean demo;

  @Option(names = "--demo-rate", paramLabel = "TRACES_PER_S", defaultValue = "20",
      description = "traces per second of the demo traffic (default: ${DEFAULT-VALUE})")
  double demoRate;

  @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT",
      description = "use this Kafka instead of the embedded broker")
  String kafkaBootstrap;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "./data",
      description = "broker log dir (DIR/kafka), topology and alerting state, default rule file "
          + "(default: ${DEFAULT-VALUE})")
  Path data;

  @Override
  public Integer call() throws Exception {
    if (demoRate <= 0) {
      throw new ConfigException("--demo-rate", "must be positive, got " + demoRate);
    }
    long started = System.nanoTime();
    AllInOne.Options opts = new AllInOne.Options(data, kafkaBootstrap, demo, demoRate, DemoTraffic.Incidents.DEFAULT);
    AllInOne all = AllInOne.start(options.resolve(System.getenv(), Part.ALL_IN_ONE.keys), opts,
        Duration.ofSeconds(120));
    all.printWelcome(System.out, Duration.ofNanos(System.nanoTime() - started), opts);
    return Lifecycle.runUntilShutdown(all, "all-in-one");
  }
}
