package io.tracestream.bridge;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC port's listening socket, which closes a connection as it is accepted when
 * {@code bridge.grpc.max.connections} are open, or {@code bridge.grpc.max.connections.per.address} from its
 * address, and closes one that has not sent the first bytes of HTTP/2 (the 24-byte client preface, or a TLS
 * ClientHello) within {@code bridge.grpc.handshake.timeout}: a client that connects and sends nothing would
 * otherwise hold its place until {@code bridge.grpc.max.connection.idle}. Each open connection may hold its
 * HTTP/2 flow-control window of data that no call has read yet, outside any call's lease: the cap is what
 * bounds that memory in total (the bridge reserves it from the memory budget at start,
 * {@link GrpcLimits#reservedBytes}). gRPC has no such settings, so the checks sit where Netty accepts.
 */
final class GrpcConnections extends NioServerSocketChannel {
  /** Why a connection was closed by a limit; the tag of {@code connections_refused_total}. */
  enum Refusal {
    LIMIT("limit"), PER_ADDRESS("per_address"), HANDSHAKE_TIMEOUT("handshake_timeout");

    private final String tag;

    Refusal(String tag) {
      this.tag = tag;
    }

    String tag() {
      return tag;
    }
  }

  private final int max;
  private final int maxPerAddress;
  private final long handshakeNanos;
  private final BridgeMetrics metrics;
  /** Open connections by remote address; guarded by itself. */
  private final Map<InetAddress, Integer> open = new HashMap<>();
  private int total;

  GrpcConnections(GrpcLimits limits, BridgeMetrics metrics) {
    this.max = limits.maxConnections();
    this.maxPerAddress = limits.maxConnectionsPerAddress();
    this.handshakeNanos = limits.handshakeTimeout().toNanos();
    this.metrics = metrics;
  }

  @Override
  protected int doReadMessages(List<Object> buf) throws Exception {
    int from = buf.size();
    int accepted = super.doReadMessages(buf);
    for (int i = buf.size() - 1; i >= from; i--) {
      Channel child = (Channel) buf.get(i);
      InetAddress address = ((InetSocketAddress) child.remoteAddress()).getAddress();
      Refusal refusal = admit(address);
      if (refusal != null) {
        buf.remove(i);
        accepted--;
        metrics.connectionRefused(Transport.GRPC, refusal); // first: the client sees the close after it is counted
        child.unsafe().closeForcibly();
      } else {
        child.closeFuture().addListener(closed -> release(address));
        child.pipeline().addFirst(new PrefaceDeadline());
      }
    }
    return accepted;
  }

  /** Open connections now. */
  int open() {
    synchronized (open) {
      return total;
    }
  }

  private Refusal admit(InetAddress address) {
    synchronized (open) {
      if (total >= max) {
        return Refusal.LIMIT;
      }
      int from = open.getOrDefault(address, 0);
      if (from >= maxPerAddress) {
        return Refusal.PER_ADDRESS;
      }
      open.put(address, from + 1);
      total++;
      return null;
    }
  }

  private void release(InetAddress address) {
    synchronized (open) {
      open.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
      total--;
    }
  }

  /** Closes the connection unless {@link #PREFACE} bytes arrive within the handshake timeout; then steps aside. */
  private final class PrefaceDeadline extends ChannelInboundHandlerAdapter {
    /** The HTTP/2 client preface's length; a TLS ClientHello is longer. */
    static final int PREFACE = 24;

    private long seen;
    private ScheduledFuture<?> deadline;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      deadline = ctx.executor().schedule(() -> {
        metrics.connectionRefused(Transport.GRPC, Refusal.HANDSHAKE_TIMEOUT);
        ctx.close();
      }, handshakeNanos, TimeUnit.NANOSECONDS);
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf bytes) {
        seen += bytes.readableBytes();
      }
      if (seen >= PREFACE) {
        deadline.cancel(false);
        ctx.pipeline().remove(this);
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (deadline != null) {
        deadline.cancel(false);
      }
      ctx.fireChannelInactive();
    }
  }
}
