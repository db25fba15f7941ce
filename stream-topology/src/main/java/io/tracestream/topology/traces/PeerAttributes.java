package io.tracestream.topology.traces;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which attributes of a CLIENT span that no server answered name its peer (a virtual node or a database), first
 * present wins: the servicegraph connector's {@code virtual_node_peer_attributes}, with the names of the current
 * and the older semantic conventions. The order and its reasons are in {@code package-info.java}.
 *
 * <p>Only attributes trace assembly keeps ({@link TraceSpan#ATTRIBUTE_KEYS}) can be listed: the decoder reads
 * no others, so a name outside them could never match.
 */
public final class PeerAttributes {
  /** Logical names (service, database, destination) before addresses; the current name before the older. */
  public static final List<String> DEFAULT_ORDER = List.of(
      TraceSpan.PEER_SERVICE,
      TraceSpan.DB_NAME, TraceSpan.DB_NAMESPACE, TraceSpan.DB_SYSTEM,
      TraceSpan.MESSAGING_DESTINATION_NAME, TraceSpan.MESSAGING_DESTINATION,
      TraceSpan.SERVER_ADDRESS, TraceSpan.NET_PEER_NAME, TraceSpan.PEER_HOSTNAME,
      TraceSpan.URL_FULL, TraceSpan.HTTP_URL);
  public static final PeerAttributes DEFAULT = new PeerAttributes(DEFAULT_ORDER);

  private static final Set<String> URLS = Set.of(TraceSpan.URL_FULL, TraceSpan.HTTP_URL);

  private final List<String> order;

  private PeerAttributes(List<String> order) {
    this.order = List.copyOf(order);
  }

  /**
   * The attributes in {@code commaSeparated}, in its order.
   *
   * @throws IllegalArgumentException when it names none, an attribute trace assembly does not keep, or one twice
   */
  public static PeerAttributes parse(String commaSeparated) {
    List<String> names = List.of(commaSeparated.split(",", -1)).stream().map(String::strip).toList();
    if (names.stream().allMatch(String::isEmpty)) {
      throw new IllegalArgumentException("must name at least one attribute, e.g. " + String.join(",", DEFAULT_ORDER));
    }
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (!TraceSpan.ATTRIBUTE_KEYS.contains(name)) {
        throw new IllegalArgumentException("'" + name + "' is not an attribute trace assembly keeps; choose from "
            + String.join(",", DEFAULT_ORDER));
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException("'" + name + "' is listed twice");
      }
    }
    return new PeerAttributes(names);
  }

  public List<String> order() {
    return order;
  }

  /** The peer's name: the first listed attribute the span has ({@code url.full}, {@code http.url}: the host). */
  String name(TraceSpan span) {
    for (String key : order) {
      String value = span.attribute(key);
      if (value != null && URLS.contains(key)) {
        value = host(value);
      }
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /**
   * The host of an absolute URL ({@code https://user@api.example.com:8443/x?y} gives {@code api.example.com}),
   * without port, as {@code server.address} has it; null when there is none (a relative URL).
   */
  static String host(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return null;
    }
    int start = scheme + 3;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String authority = url.substring(start, end);
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    String host;
    if (authority.startsWith("[")) { // an IPv6 literal: its colons are not a port
      int close = authority.indexOf(']');
      host = close < 0 ? "" : authority.substring(0, close + 1);
    } else {
      int colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
    }
    return host.isEmpty() ? null : host;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerAttributes other && order.equals(other.order);
  }

  @Override
  public int hashCode() {
    return order.hashCode();
  }

  @Override
  public String toString() {
    return String.join(",", order);
  }
}
