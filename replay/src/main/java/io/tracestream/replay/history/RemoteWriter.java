package io.tracestream.replay.history;

import io.tracestream.replay.prompb.WriteRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.xerial.snappy.Snappy;

/**
 * Prometheus remote write 1.0 (https://prometheus.io/docs/specs/remote_write_spec/): a
 * {@code WriteRequest} protobuf, snappy block-compressed, POSTed with the spec's headers. A 5xx answer
 * or a connection failure is retried with backoff; a 4xx answer (Prometheus refuses the samples, e.g.
 * "out of bounds" when they are older than its out-of-order window allows) fails at once with
 * Prometheus's message.
 */
public final class RemoteWriter implements HistoryBuilder.Output {
  private static final int ATTEMPTS = 5;

  private final URI url;
  private final HttpClient http;
  private final Duration timeout;

  public RemoteWriter(URI url, Duration timeout) {
    this.url = url;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.timeout = timeout;
  }

  @Override
  public void write(WriteRequest request) throws IOException {
    byte[] body = Snappy.compress(request.toByteArray());
    HttpRequest post = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("User-Agent", "tracestream-replay")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    IOException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status / 100 == 2) {
          return;
        }
        String message = "remote write to " + url + " answered " + status + ": " + response.body().strip();
        if (status / 100 == 4) {
          throw new IOException(message);
        }
        last = new IOException(message);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while writing to " + url, e);
      } catch (java.net.ConnectException | java.net.http.HttpTimeoutException e) {
        last = new IOException("remote write to " + url + " failed: " + e, e);
      }
      LockSupport.parkNanos(Duration.ofMillis(250L << attempt).toNanos());
    }
    throw last;
  }
}
