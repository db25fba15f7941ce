package io.tracestream.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The exchange a handler sees: the body read under {@link HttpLimits#readTimeout()} until its end, and
 * every blocking step of the answer (headers, each write, close) under {@link HttpLimits#writeTimeout()}.
 * Between them, while the handler works, nothing is armed: how long that may take is the handler's own
 * bound (the Kafka ack timeout, a forward's deadline).
 */
final class GuardedExchange extends HttpExchange {
  private final HttpExchange exchange;
  private final Deadline deadline;
  private final HttpLimits limits;
  private InputStream in;
  private OutputStream out;

  GuardedExchange(HttpExchange exchange, Deadline deadline, HttpLimits limits) {
    this.exchange = exchange;
    this.deadline = deadline;
    this.limits = limits;
    this.in = new Body(exchange.getRequestBody());
    this.out = new Answer(exchange.getResponseBody());
  }

  /** Whether the request announces a body (a length above 0, or chunked). */
  static boolean hasBody(HttpExchange exchange) {
    Headers headers = exchange.getRequestHeaders();
    String length = headers.getFirst("Content-Length");
    return headers.containsKey("Transfer-Encoding") || length != null && !length.trim().equals("0");
  }

  private void writing() throws IOException {
    deadline.arm(limits.writeTimeout(), "writing the response");
  }

  @Override
  public void sendResponseHeaders(int code, long length) throws IOException {
    writing();
    exchange.sendResponseHeaders(code, length);
    deadline.disarm();
  }

  @Override
  public void close() {
    try {
      writing();
      exchange.close();
      deadline.disarm();
    } catch (IOException e) {
      exchange.close(); // closes the connection as it would for any failed exchange
    }
  }

  @Override
  public InputStream getRequestBody() {
    return in;
  }

  @Override
  public OutputStream getResponseBody() {
    return out;
  }

  @Override
  public void setStreams(InputStream i, OutputStream o) {
    if (i != null) {
      in = i;
    }
    if (o != null) {
      out = o;
    }
  }

  @Override public Headers getRequestHeaders() { return exchange.getRequestHeaders(); }
  @Override public Headers getResponseHeaders() { return exchange.getResponseHeaders(); }
  @Override public URI getRequestURI() { return exchange.getRequestURI(); }
  @Override public String getRequestMethod() { return exchange.getRequestMethod(); }
  @Override public HttpContext getHttpContext() { return exchange.getHttpContext(); }
  @Override public InetSocketAddress getRemoteAddress() { return exchange.getRemoteAddress(); }
  @Override public int getResponseCode() { return exchange.getResponseCode(); }
  @Override public InetSocketAddress getLocalAddress() { return exchange.getLocalAddress(); }
  @Override public String getProtocol() { return exchange.getProtocol(); }
  @Override public Object getAttribute(String name) { return exchange.getAttribute(name); }
  @Override public void setAttribute(String name, Object value) { exchange.setAttribute(name, value); }
  @Override public HttpPrincipal getPrincipal() { return exchange.getPrincipal(); }

  /** Ends the read phase at the body's end. */
  private final class Body extends FilterInputStream {
    Body(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b < 0) {
        deadline.disarm();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n < 0) {
        deadline.disarm();
      }
      return n;
    }
  }

  /** Each write under the write timeout. */
  private final class Answer extends FilterOutputStream {
    Answer(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writing();
      out.write(b, off, len);
      deadline.disarm();
    }

    @Override
    public void flush() throws IOException {
      writing();
      out.flush();
      deadline.disarm();
    }

    @Override
    public void close() throws IOException {
      writing();
      out.close();
      deadline.disarm();
    }
  }
}
