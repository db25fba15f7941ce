package io.tracestream.http;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.tracestream.tls.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK's {@code HttpServer} with the timeouts it lacks. It reads a request's line and headers on an
 * executor thread, in blocking mode, with no read timeout (JDK 17; {@code sun.net.httpserver.maxReqTime}
 * exists, but in whole seconds, for every server of the JVM, fixed at the first server's start): a few
 * connections that send half a request line and stall hold every thread of a fixed pool, and requests
 * behind them wait for ever. Here each connection that has started a request gets its own thread, up to
 * {@link HttpLimits#maxConnections()} (more are closed at once, by the JDK, as a refused hand-off), and
 * each phase of the exchange runs under a {@link Deadline}: the headers (TLS handshake included), the body,
 * each response write. A connection that has sent nothing, or is idle between requests, holds no thread;
 * the JDK closes it after {@code sun.net.httpserver.idleInterval} (30 s by default).
 */
public final class GuardedHttpServer implements AutoCloseable {
  private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

  private final HttpServer server;
  private final HttpLimits limits;
  private final ThreadPoolExecutor threads;
  private final ScheduledThreadPoolExecutor timer;
  private final AtomicLong timeouts = new AtomicLong();
  private final Filter guard = new Guard();

  /** Binds at once; {@link #start} after the routes are in place. */
  public GuardedHttpServer(String bind, int port, Optional<TlsConfig> tls, HttpLimits limits, String threadName)
      throws IOException {
    this.limits = limits;
    InetSocketAddress address = new InetSocketAddress(bind, port);
    if (tls.isPresent()) {
      HttpsServer https = HttpsServer.create(address, 0);
      https.setHttpsConfigurator(tls.get().httpsConfigurator());
      server = https;
    } else {
      server = HttpServer.create(address, 0);
    }
    timer = new ScheduledThreadPoolExecutor(1, r -> daemon(r, threadName + "-deadlines"));
    timer.setRemoveOnCancelPolicy(true);
    // no queue: a connection either gets a thread now or is closed, never waits behind stalled ones
    threads = new ThreadPoolExecutor(0, limits.maxConnections(), 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
        r -> daemon(r, threadName));
    server.setExecutor(new Executor() {
      @Override
      public void execute(Runnable exchange) {
        threads.execute(() -> serve(exchange));
      }
    });
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }

  /** One exchange of the JDK server, from reading the request line to the end of the handler. */
  private void serve(Runnable exchange) {
    Deadline deadline = new Deadline(Thread.currentThread(), timer, timeouts::incrementAndGet);
    CURRENT.set(deadline);
    try {
      deadline.arm(limits.headerTimeout(), "reading the request headers");
      exchange.run();
    } catch (IOException e) {
      // not reached: a fresh deadline has not fired
    } finally {
      deadline.cancel();
      CURRENT.remove();
      Thread.interrupted(); // a deadline that fired as the exchange ended must not reach the next one
    }
  }

  /** Serves {@code path} and everything under it with {@code handler}, under the limits. */
  public void route(String path, HttpHandler handler) {
    server.createContext(path, handler).getFilters().add(guard);
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Connections being read from or answered now, each on its thread. */
  public int activeConnections() {
    return threads.getActiveCount();
  }

  /** Connections closed so far because a phase outlasted its timeout. */
  public long timeouts() {
    return timeouts.get();
  }

  /**
   * Stops accepting, waits up to {@code delaySeconds} for exchanges in progress, closes the connections, and
   * gives handlers still working (waiting for Kafka, say) up to {@code drain} to finish.
   */
  public void stop(int delaySeconds, Duration drain) {
    server.stop(delaySeconds);
    threads.shutdown();
    try {
      threads.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    threads.shutdownNow();
    timer.shutdownNow();
  }

  @Override
  public void close() {
    stop(0, Duration.ZERO);
  }

  /** Ends the header phase as the handler is reached, and hands it the guarded exchange. */
  private final class Guard extends Filter {
    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
      Deadline deadline = CURRENT.get();
      deadline.disarm();
      if (GuardedExchange.hasBody(exchange)) {
        deadline.arm(limits.readTimeout(), "reading the request body");
      }
      chain.doFilter(new GuardedExchange(exchange, deadline, limits));
    }

    @Override
    public String description() {
      return "header, read and write timeouts";
    }
  }
}
