package io.tracestream.alerting.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * POSTs JSON and classifies the answer: 2xx done, 408/429/5xx and I/O errors worth a retry, other 4xx not.
 * Messages name the URL only as {@link Redacted#url}: a webhook URL is a credential.
 */
final class JsonPost {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;
  private final Duration timeout;

  JsonPost(Duration timeout) {
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.timeout = timeout;
  }

  void post(URI uri, Object body) throws DeliveryException {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new DeliveryException("cannot write JSON: " + e.getMessage(), false);
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
        .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new DeliveryException(Redacted.url(uri) + ": " + Redacted.scrub(e.toString(), uri), true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeliveryException(Redacted.url(uri) + ": interrupted", true);
    }
    int status = response.statusCode();
    if (status / 100 != 2) {
      String body1 = response.body() == null ? "" : response.body();
      String shown = Redacted.scrub(body1.substring(0, Math.min(200, body1.length())), uri);
      throw new DeliveryException(Redacted.url(uri) + " answered " + status + ": " + shown,
          status == 408 || status == 429 || status >= 500);
    }
  }
}
