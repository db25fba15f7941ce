package io.tracestream.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A JDK HTTP server in the test that records every JSON body POSTed to it that it answered 200. */
final class Hooks implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private final List<Long> receivedAt = new CopyOnWriteArrayList<>();
  private final AtomicReference<Runnable> beforeNextAnswer = new AtomicReference<>();

  private final AtomicInteger failuresLeft;

  Hooks() throws IOException {
    this(0);
  }

  /** Answers the first {@code failFirst} requests 503, as a receiver that is briefly down. */
  Hooks(int failFirst) throws IOException {
    failuresLeft = new AtomicInteger(failFirst);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      try (exchange; InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readAllBytes();
        if (failuresLeft.getAndDecrement() > 0) {
          exchange.sendResponseHeaders(503, -1);
          return;
        }
        received.add(JSON.readTree(body));
        receivedAt.add(System.nanoTime());
        Runnable action = beforeNextAnswer.getAndSet(null);
        if (action != null) {
          action.run();
        }
        exchange.sendResponseHeaders(200, -1);
      } catch (IOException e) {
        // the sender is gone (a test killed it before the answer)
      }
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  List<JsonNode> received() {
    return List.copyOf(received);
  }

  /** Runs {@code action} once, after the next body is recorded and before it is answered. */
  void beforeNextAnswer(Runnable action) {
    beforeNextAnswer.set(action);
  }

  /** Nanoseconds from {@code nanoTime} to the first body received at or after it; -1 if none. */
  long firstReceivedAfter(long nanoTime) {
    return receivedAt.stream().filter(t -> t >= nanoTime).mapToLong(t -> t - nanoTime).min().orElse(-1);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
