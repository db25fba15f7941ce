package io.tracestream.bridge;

import io.tracestream.config.ConfigException;
import io.tracestream.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Bearer-token check of OTLP requests ({@code Authorization: Bearer <token>}). Only SHA-256 digests of
 * the tokens are kept, and a presented token is compared with every one of them by
 * {@link MessageDigest#isEqual} over equal-length digests, so the time taken says nothing about how
 * much of a token matched, nor which one. Tokens are never logged.
 */
final class BearerAuth {
  static final String TOKEN_KEY = "bridge.auth.bearer.token";
  static final String FILE_KEY = "bridge.auth.bearer.tokens.file";
  private static final int MIN_LENGTH = 16;

  private final List<byte[]> digests;

  private BearerAuth(List<byte[]> digests) {
    this.digests = List.copyOf(digests);
  }

  static BearerAuth of(String... tokens) {
    List<byte[]> digests = new ArrayList<>();
    for (String token : tokens) {
      digests.add(sha256(token));
    }
    return new BearerAuth(digests);
  }

  /** The configured tokens, or empty when authentication is off. */
  static Optional<BearerAuth> from(Settings settings) {
    List<byte[]> digests = new ArrayList<>();
    settings.optional(TOKEN_KEY).ifPresent(t -> digests.add(sha256(checked(TOKEN_KEY, t))));
    Optional<String> file = settings.optional(FILE_KEY);
    if (file.isPresent()) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of(file.get()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigException(FILE_KEY, "cannot read " + file.get() + ": " + e);
      }
      int before = digests.size();
      for (String line : lines) {
        String token = line.strip();
        if (!token.isEmpty() && !token.startsWith("#")) {
          digests.add(sha256(checked(FILE_KEY, token)));
        }
      }
      if (digests.size() == before) {
        throw new ConfigException(FILE_KEY, "no token in " + file.get() + " (one token a line, # comments)");
      }
    }
    return digests.isEmpty() ? Optional.empty() : Optional.of(new BearerAuth(digests));
  }

  private static String checked(String key, String token) {
    if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new ConfigException(key, "a token must be at least " + MIN_LENGTH
          + " printable ASCII characters without spaces (the token itself is not shown)");
    }
    return token;
  }

  /** Whether an {@code Authorization} header value carries one of the tokens. */
  boolean allows(String authorization) {
    if (authorization == null || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] presented = sha256(authorization.substring(7).strip());
    boolean match = false;
    for (byte[] digest : digests) { // no early exit: every token is compared
      match |= MessageDigest.isEqual(digest, presented);
    }
    return match;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "BearerAuth[" + digests.size() + " token(s)]";
  }
}
