package io.tracestream.alerting.notify;

import java.net.URI;

/**
 * Receiver URLs as they may be shown: a Slack or webhook URL carries its credential in the path
 * ({@code https://hooks.slack.com/services/T000/B000/XXXX}) or the user info, so logs and exception
 * messages show only {@code scheme://host[:port]/…}.
 */
public final class Redacted {
  private Redacted() {}

  /** {@code scheme://host[:port]}, then {@code /…} when the URL has anything after that. */
  public static String url(URI uri) {
    if (uri.getScheme() == null || uri.getHost() == null) {
      return "<url>";
    }
    String shown = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    boolean more = (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
        || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null;
    return shown + (more ? "/…" : "");
  }

  /** As {@link #url(URI)} for a string that may not even parse as a URL. */
  public static String url(String raw) {
    try {
      return url(new URI(raw));
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return "<url>";
    }
  }

  /** {@code text} with every occurrence of the URL (as written, or its path) replaced by its redacted form. */
  static String scrub(String text, URI uri) {
    if (text == null) {
      return null;
    }
    String out = text.replace(uri.toString(), url(uri));
    String path = uri.getRawPath();
    if (path != null && path.length() > 1) {
      out = out.replace(path, "/…");
    }
    return out;
  }
}
