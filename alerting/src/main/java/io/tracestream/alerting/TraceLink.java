package io.tracestream.alerting;

import io.tracestream.config.ConfigException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The link of an alert's example trace ({@code alerting.trace.link.template}), such as Jaeger's trace view:
 * the template with {@code {traceId}} replaced by the trace id.
 */
record TraceLink(String template) {
  static final String KEY = "alerting.trace.link.template";
  static final String DEFAULT = "http://localhost:16686/trace/{traceId}";
  private static final String PLACEHOLDER = "{traceId}";

  TraceLink {
    if (!template.contains(PLACEHOLDER)) {
      throw new ConfigException(KEY, "the template must contain " + PLACEHOLDER + ", got '" + template + "'");
    }
    if (!template.startsWith("http://") && !template.startsWith("https://")) {
      throw new ConfigException(KEY, "expected an http:// or https:// URL template, got '" + template + "'");
    }
  }

  /** The link to {@code traceId}, which is URL-encoded (a trace id of the topology is hex already). */
  String url(String traceId) {
    return template.replace(PLACEHOLDER, URLEncoder.encode(traceId, StandardCharsets.UTF_8));
  }
}
