package io.tracestream.launcher;

import io.tracestream.topology.TopologyApp;
import io.tracestream.topology.TopologyConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "topology", mixinStandardHelpOptions = true,
    description = "Kafka Streams app: RED metrics with p50/p95/p99 per service and operation, whole-trace SLA "
        + "latency and dependency edges, exported to Prometheus.")
final class TopologyCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    TopologyConfig config = TopologyConfig.from(options.resolve(System.getenv(), Part.TOPOLOGY.keys));
    TopologyApp app = TopologyApp.start(config);
    return Lifecycle.runUntilShutdown(app, "topology");
  }
}
