package io.tracestream.http;

import io.tracestream.config.ConfigException;
import io.tracestream.config.ConfigKey;
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
 * Bearer-token check of OTLP and admin requests ({@code Authorization: Bearer <token>}), from the keys
 * {@code <prefix>.auth.bearer.token} and {@code <prefix>.auth.bearer.tokens.file}. Only SHA-256 digests of
 * the tokens are kept, and a presented token is compared with every one of them by
 * {@link MessageDigest#isEqual} over equal-length digests, so the time taken says nothing about how
 * much of a token matched, nor which one. Tokens are never logged.
 */
public final class BearerAuth {
  private static final int MIN_LENGTH = 16;

  private final List<byte[]> digests;

  private BearerAuth(List<byte[]> digests) {
    this.digests = List.copyOf(digests);
  }

  public static BearerAuth of(String... tokens) {
    List<byte[]> digests = new ArrayList<>();
    for (String token : tokens) {
      digests.add(sha256(token));
    }
    return new BearerAuth(digests);
  }

  /** The two documented keys under {@code prefix} ({@code bridge}, {@code topology.admin}, ...). */
  public static List<ConfigKey> keys(String prefix, String who) {
    return List.of(
        new ConfigKey(tokenKey(prefix), null, "bearer token " + who + " must send (Authorization: Bearer ...);"
            + " unset and no tokens file: no authentication. Never logged"),
        new ConfigKey(fileKey(prefix), null, "file of accepted bearer tokens, one a line (# comments); with "
            + tokenKey(prefix) + " both are accepted"));
  }

  public static String tokenKey(String prefix) {
    return prefix + ".auth.bearer.token";
  }

  public static String fileKey(String prefix) {
    return prefix + ".auth.bearer.tokens.file";
  }

  /** The tokens configured under {@code prefix}, or empty when authentication is off. */
  public static Optional<BearerAuth> from(Settings settings, String prefix) {
    List<String> tokens = tokens(settings, prefix);
    List<byte[]> digests = new ArrayList<>();
    tokens.forEach(t -> digests.add(sha256(t)));
    return digests.isEmpty() ? Optional.empty() : Optional.of(new BearerAuth(digests));
  }

  /**
   * The tokens configured under {@code prefix}, the key's first, checked: for a part that must present
   * one of its own tokens to its peers (the topology forwarding a query). Never log them.
   */
  public static List<String> tokens(Settings settings, String prefix) {
    String tokenKey = tokenKey(prefix);
    String fileKey = fileKey(prefix);
    List<String> tokens = new ArrayList<>();
    settings.optional(tokenKey).ifPresent(t -> tokens.add(checked(tokenKey, t)));
    Optional<String> file = settings.optional(fileKey);
    if (file.isPresent()) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of(file.get()), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ConfigException(fileKey, "cannot read " + file.get() + ": " + e);
      }
      int before = tokens.size();
      for (String line : lines) {
        String token = line.strip();
        if (!token.isEmpty() && !token.startsWith("#")) {
          tokens.add(checked(fileKey, token));
        }
      }
      if (tokens.size() == before) {
        throw new ConfigException(fileKey, "no token in " + file.get() + " (one token a line, # comments)");
      }
    }
    return tokens;
  }

  private static String checked(String key, String token) {
    if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new ConfigException(key, "a token must be at least " + MIN_LENGTH
          + " printable ASCII characters without spaces (the token itself is not shown)");
    }
    return token;
  }

  /** Whether an {@code Authorization} header value carries one of the tokens. */
  public boolean allows(String authorization) {
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
