package io.tracestream.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.zip.GZIPInputStream;

/** Reading request bodies within {@code bridge.max.request.bytes} and the memory budget; for the HTTP receivers. */
final class HttpBodies {
  private final int maxRequestBytes;

  HttpBodies(int maxRequestBytes) {
    this.maxRequestBytes = maxRequestBytes;
  }

  int maxRequestBytes() {
    return maxRequestBytes;
  }

  /**
   * The body, or null: when it is over {@code bridge.max.request.bytes}, or when {@code lease} refused its
   * bytes ({@link MemoryBudget.Lease#refusal} says why). Bytes are taken before they are allocated: a
   * declared length at once, else chunk by chunk and once more for the copy into one array. A refused
   * body is read as far as the limit but not kept, so that the client gets its answer.
   */
  byte[] read(HttpExchange exchange, boolean gzip, MemoryBudget.Lease lease) throws IOException {
    InputStream raw = exchange.getRequestBody();
    long declared = gzip ? -1 : declaredLength(exchange);
    if (declared > maxRequestBytes) {
      return drainLimited(raw);
    }
    if (declared >= 0) {
      return lease.take(declared) ? raw.readNBytes((int) declared) : drainLimited(raw);
    }
    byte[] body = lease.readAll(gzip ? new GZIPInputStream(raw, 8192) : raw, maxRequestBytes);
    return body == null && lease.refusal() != null ? drainLimited(raw) : body;
  }

  /**
   * Null, for a body that is refused (its Content-Length is over the limit, or the memory budget has no
   * room for it): it is read as far as the limit (so the client gets its answer on a connection still
   * usable) but not kept.
   */
  private byte[] drainLimited(InputStream in) throws IOException {
    byte[] chunk = new byte[8192];
    long left = maxRequestBytes + 1L;
    int n;
    while (left > 0 && (n = in.read(chunk, 0, (int) Math.min(chunk.length, left))) > 0) {
      left -= n;
    }
    return null;
  }

  /** The Content-Length header's value, or -1 when there is none or it is not a number (chunked bodies). */
  private static long declaredLength(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Content-Length");
    try {
      return header == null ? -1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * {@code handler} run once one of {@code turns} is free. It waits for a turn only once the headers are in: a
   * client stalling in them holds its own connection's thread, not a turn. A client trickling its body does
   * hold one, for at most the read timeout.
   */
  static HttpHandler inTurn(Semaphore turns, HttpHandler handler) {
    return exchange -> {
      try {
        turns.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exchange.close();
        return;
      }
      try {
        handler.handle(exchange);
      } finally {
        turns.release();
      }
    };
  }

  static IngestResult await(CompletableFuture<IngestResult> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new IngestResult.Unavailable("the bridge is shutting down; retry later");
    } catch (ExecutionException e) {
      return new IngestResult.Unavailable("internal error: " + e.getCause());
    }
  }

  /** The media type of a Content-Type header, lower case, without parameters; "" when there is none. */
  static String mediaType(String header) {
    if (header == null) {
      return "";
    }
    int semicolon = header.indexOf(';');
    return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }
}
