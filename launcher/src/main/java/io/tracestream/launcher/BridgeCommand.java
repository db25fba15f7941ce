package io.tracestream.launcher;

import io.tracestream.bridge.Bridge;
import io.tracestream.bridge.BridgeConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "bridge", mixinStandardHelpOptions = true,
    description = "OTLP gRPC and HTTP receiver writing spans to Kafka, keyed by trace id.")
final class BridgeCommand implements Callable<Integer> {
  @Mixin
  ConfigOptions options;

  @Override
  public Integer call() throws Exception {
    BridgeConfig config = BridgeConfig.from(options.resolve(System.getenv(), Part.BRIDGE.keys));
    Bridge bridge = Bridge.start(config);
    return Lifecycle.runUntilShutdown(bridge, "bridge");
  }
}
