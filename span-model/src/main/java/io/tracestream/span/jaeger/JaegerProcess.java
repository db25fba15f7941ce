package io.tracestream.span.jaeger;

import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** A Jaeger process: the service and its tags, which become the OTLP resource. */
public record JaegerProcess(String serviceName, List<KeyValue> tags) {}
