package io.tracestream.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.tracestream.config.Settings;
import io.tracestream.testkit.Await;
import io.tracestream.testkit.KafkaBrokerExtension;
import io.tracestream.testkit.SpanGenerator;
import io.tracestream.testkit.TestCertificates;
import io.tracestream.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OTLP over TLS with bearer tokens, mTLS, CORS and the admin port over mTLS, with the real OTel SDK
 * exporters and plain clients that leave something out.
 */
class OtlpSecurityIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  static final String TOKEN = "s3cret-token-0123456789abcdef";
  static final String ORIGIN = "https://app.example.com";

  static TestCertificates certs;
  /** TLS + bearer token + CORS on OTLP; mTLS on the admin port. */
  static Bridge tokenBridge;
  /** mTLS on OTLP. */
  static Bridge mtlsBridge;
  static HttpClient trusting;
  static HttpClient withClientCert;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.shared();
    KAFKA.createTopics(2, "sec-token", "sec-mtls");
    trusting = HttpClient.newBuilder().sslContext(context(null, null)).build();
    withClientCert = HttpClient.newBuilder().sslContext(context(certs.clientCertPem(), certs.clientKeyPem())).build();
    tokenBridge = start("sec-token",
        "bridge.tls.cert", certs.serverCertPem().toString(),
        "bridge.tls.key", certs.serverKeyPem().toString(),
        "bridge.auth.bearer.token", TOKEN,
        "bridge.cors.allowed.origins", ORIGIN + ", http://localhost:3000",
        "bridge.admin.tls.cert", certs.serverCertPem().toString(),
        "bridge.admin.tls.key", certs.serverKeyPem().toString(),
        "bridge.admin.tls.client.ca", certs.caPem().toString());
    mtlsBridge = start("sec-mtls",
        "bridge.tls.cert", certs.serverCertPem().toString(),
        "bridge.tls.key", certs.serverKeyPem().toString(),
        "bridge.tls.client.ca", certs.caPem().toString(),
        "bridge.admin.tls.cert", certs.serverCertPem().toString(),
        "bridge.admin.tls.key", certs.serverKeyPem().toString(),
        "bridge.admin.tls.client.ca", certs.caPem().toString());
  }

  @AfterAll
  static void stop() {
    tokenBridge.close();
    mtlsBridge.close();
  }

  @Test
  void otelSdkExportsOverTlsGrpcAndHttpWithTheBearerToken() throws Exception {
    byte[] ca = Files.readAllBytes(certs.caPem());
    SpanExporter grpc = OtlpGrpcSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + tokenBridge.grpcPort())
        .setTrustedCertificates(ca)
        .addHeader("Authorization", "Bearer " + TOKEN).build();
    SpanExporter http = OtlpHttpSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + tokenBridge.httpPort() + "/v1/traces")
        .setTrustedCertificates(ca)
        .addHeader("Authorization", "Bearer " + TOKEN).build();

    List<String> sent = new ArrayList<>(export(grpc, "over-grpc"));
    sent.addAll(export(http, "over-http"));

    // other tests write to the same topic too
    List<String> read = TestBridges.spanIdsOf(TopicReader.readUntil(KAFKA.bootstrapServers(), "sec-token",
        Duration.ofSeconds(30), r -> TestBridges.spanIdsOf(r).containsAll(sent)));
    assertThat(read).containsAll(sent);
  }

  @Test
  void otelSdkWithoutTheTokenIsRefusedAndNotRetried() {
    SpanExporter grpc = OtlpGrpcSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + tokenBridge.grpcPort())
        .setTrustedCertificates(read(certs.caPem())).build();
    assertThat(exportResult(grpc)).as("export without a token").isFalse();
  }

  @Test
  void grpcWithoutOrWithAWrongTokenGetsUnauthenticated() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", tokenBridge.grpcPort())
        .sslContext(GrpcSslContexts.forClient().trustManager(certs.caPem().toFile()).build())
        .overrideAuthority("localhost").build();
    try {
      ExportTraceServiceRequest request = new SpanGenerator(1).request(1, 2, 1);
      var stub = TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> stub.export(request))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      for (String wrong : List.of("Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1), "Basic " + TOKEN, TOKEN)) {
        assertThatThrownBy(() -> stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth(wrong))).export(request))
            .as(wrong).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      }
      assertThat(stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth("Bearer " + TOKEN)))
          .export(request).hasPartialSuccess()).isFalse();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void httpWithoutOrWithAWrongTokenGets401WithAStatusBody() throws Exception {
    byte[] body = new SpanGenerator(2).request(1, 2, 1).toByteArray();
    for (String header : new String[] {null, "Bearer nope-nope-nope-nope", "Bearer " + TOKEN.toUpperCase()}) {
      HttpRequest.Builder request = otlpPost(tokenBridge, body);
      if (header != null) {
        request.header("Authorization", header);
      }
      HttpResponse<byte[]> response = trusting.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());

      assertThat(response.statusCode()).as(String.valueOf(header)).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      com.google.rpc.Status status = com.google.rpc.Status.parseFrom(response.body());
      assertThat(status.getCode()).isEqualTo(com.google.rpc.Code.UNAUTHENTICATED_VALUE);
      assertThat(response.headers().firstValue("Retry-After")).isEmpty();
    }
    HttpResponse<byte[]> ok = trusting.send(otlpPost(tokenBridge, body).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(ok.statusCode()).isEqualTo(200);
  }

  @Test
  void plaintextClientsCannotTalkToTheTlsPorts() {
    HttpClient plain = HttpClient.newHttpClient();
    assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + tokenBridge.httpPort() + "/v1/traces")).POST(HttpRequest.BodyPublishers.ofString("x"))
        .header("Content-Type", HttpReceiver.PROTOBUF).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
  }

  @Test
  void corsPreflightIsAnsweredOnlyForConfiguredOrigins() throws Exception {
    HttpResponse<String> allowed = trusting.send(preflight(ORIGIN), HttpResponse.BodyHandlers.ofString());
    assertThat(allowed.statusCode()).isEqualTo(204);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST");
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
        .contains("Content-Type", "Content-Encoding", "Authorization");

    HttpResponse<String> other = trusting.send(preflight("https://evil.example.net"), HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode()).isNotEqualTo(204);
    assertThat(other.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("access-control-"));

    HttpResponse<byte[]> post = trusting.send(otlpPost(tokenBridge, new SpanGenerator(3).request(1, 1, 1).toByteArray())
        .header("Authorization", "Bearer " + TOKEN).header("Origin", ORIGIN).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);

    HttpResponse<byte[]> noOrigin = trusting.send(otlpPost(tokenBridge, new SpanGenerator(4).request(1, 1, 1).toByteArray())
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(noOrigin.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void mtlsAcceptsTheCasClientCertificateOnly() throws Exception {
    byte[] body = new SpanGenerator(5).request(1, 2, 1).toByteArray();
    HttpResponse<byte[]> ok = withClientCert.send(otlpPost(mtlsBridge, body).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(ok.statusCode()).isEqualTo(200);

    HttpClient rogue = HttpClient.newBuilder().sslContext(context(certs.rogueCertPem(), certs.rogueKeyPem())).build();
    for (HttpClient refused : List.of(trusting, rogue)) {
      assertThatThrownBy(() -> refused.send(otlpPost(mtlsBridge, body).build(), HttpResponse.BodyHandlers.ofByteArray()))
          .isInstanceOf(java.io.IOException.class);
    }

    SpanExporter sdk = OtlpGrpcSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + mtlsBridge.grpcPort())
        .setTrustedCertificates(read(certs.caPem()))
        .setClientTls(read(certs.clientKeyPem()), read(certs.clientCertPem())).build();
    assertThat(exportResult(sdk)).as("gRPC export with the client certificate").isTrue();
    SpanExporter noCert = OtlpGrpcSpanExporter.builder()
        .setEndpoint("https://127.0.0.1:" + mtlsBridge.grpcPort())
        .setTrustedCertificates(read(certs.caPem())).build();
    assertThat(exportResult(noCert)).as("gRPC export without a client certificate").isFalse();
  }

  @Test
  void adminPortServesOnlyMtlsClients() throws Exception {
    HttpRequest metrics = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tokenBridge.adminPort() + "/metrics"))
        .timeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> ok = withClientCert.send(metrics, HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).contains("tracestream_bridge_requests_total{outcome=\"unauthenticated\"");
    assertThatThrownBy(() -> trusting.send(metrics, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
  }

  private static Bridge start(String topic, String... keyValues) throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put("kafka.bootstrap.servers", KAFKA.bootstrapServers());
    values.put("topic.spans", topic);
    values.put("bridge.grpc.port", "0");
    values.put("bridge.http.port", "0");
    values.put("bridge.admin.port", "0");
    values.put("bridge.kafka.health.interval", "200ms");
    for (int i = 0; i < keyValues.length; i += 2) {
      values.put(keyValues[i], keyValues[i + 1]);
    }
    Bridge bridge = Bridge.start(BridgeConfig.from(Settings.of(values)));
    HttpClient admin = HttpClient.newBuilder().sslContext(context(certs.clientCertPem(), certs.clientKeyPem())).build();
    Await.until(Duration.ofSeconds(30), "bridge ready", () -> {
      try {
        return admin.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + bridge.adminPort() + "/health/ready")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    return bridge;
  }

  private static HttpRequest.Builder otlpPost(Bridge bridge, byte[] body) {
    return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + bridge.httpPort() + "/v1/traces"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", HttpReceiver.PROTOBUF);
  }

  private static HttpRequest preflight(String origin) {
    return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tokenBridge.httpPort() + "/v1/traces"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,authorization")
        .build();
  }

  private static Metadata auth(String value) {
    Metadata metadata = new Metadata();
    metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), value);
    return metadata;
  }

  /** Ends one span per service through {@code exporter}; returns the span ids (hex). */
  private static List<String> export(SpanExporter exporter, String name) {
    List<String> ids = new ArrayList<>();
    try (SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.builder().put("service.name", name).build()))
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
      Tracer tracer = provider.get("test");
      for (int i = 0; i < 5; i++) {
        Span span = tracer.spanBuilder("op-" + i).startSpan();
        ids.add(span.getSpanContext().getSpanId());
        span.end();
      }
      assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).as("export via " + name).isTrue();
    }
    return ids;
  }

  /** Whether exporting one span succeeded. */
  private static boolean exportResult(SpanExporter exporter) {
    try (SdkTracerProvider provider = SdkTracerProvider.builder()
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
      provider.get("test").spanBuilder("one").startSpan().end();
      CompletableResultCode flushed = provider.forceFlush().join(20, TimeUnit.SECONDS);
      return flushed.isSuccess();
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  /** A client context trusting the test CA, presenting {@code cert}/{@code key} when given. */
  static SSLContext context(Path cert, Path key) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = Files.newInputStream(certs.caPem())) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (cert != null) {
      var tls = io.tracestream.tls.TlsConfig.from(Settings.of(Map.of("x.tls.cert", cert.toString(),
          "x.tls.key", key.toString())), "x").orElseThrow();
      kmf = tls.keyManagers();
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
