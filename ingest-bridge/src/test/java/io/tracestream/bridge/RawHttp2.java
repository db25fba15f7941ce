package io.tracestream.bridge;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A client that writes HTTP/2 frames by hand (RFC 9113, prior knowledge, no TLS), to do to a gRPC port
 * what no well-behaved client library does: open streams past the advertised limit, or open and reset
 * streams as fast as it can (rapid reset). A reader thread records every frame the server sends.
 */
final class RawHttp2 implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int SETTINGS_MAX_CONCURRENT_STREAMS = 3;
  static final int REFUSED_STREAM = 0x7;
  static final int CANCEL = 0x8;
  static final int ENHANCE_YOUR_CALM = 0xb;

  record Frame(int type, int flags, int stream, byte[] payload) {
    int int32(int offset) {
      return ((payload[offset] & 0xff) << 24) | ((payload[offset + 1] & 0xff) << 16)
          | ((payload[offset + 2] & 0xff) << 8) | (payload[offset + 3] & 0xff);
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final byte[] headerBlock;
  final List<Frame> received = new CopyOnWriteArrayList<>();
  final CountDownLatch serverSettings = new CountDownLatch(1);
  final CountDownLatch goAway = new CountDownLatch(1);
  final CountDownLatch closed = new CountDownLatch(1);
  private final java.util.concurrent.Semaphore pingAcks = new java.util.concurrent.Semaphore(0);

  RawHttp2(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    headerBlock = headerBlock("127.0.0.1:" + port);
    Thread reader = new Thread(this::read, "raw-h2-reader");
    reader.setDaemon(true);
    reader.start();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, 0, 0, new byte[0]);
    out.flush();
  }

  /** Waits for the server's SETTINGS and acknowledges them, so that they are in force. */
  Frame handshake() throws Exception {
    if (!serverSettings.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no SETTINGS from the server");
    }
    frame(SETTINGS, 0x1, 0, new byte[0]);
    out.flush();
    return received.stream().filter(f -> f.type() == SETTINGS && (f.flags() & 1) == 0).findFirst().orElseThrow();
  }

  /** Opens a gRPC call to TraceService/Export on {@code stream} and sends no message (the call stays open). */
  void open(int stream) throws IOException {
    frame(HEADERS, 0x4, stream, headerBlock); // END_HEADERS
  }

  /** Sends {@code payload} as a DATA frame on {@code stream}, without END_STREAM. */
  void data(int stream, byte[] payload) throws IOException {
    frame(DATA, 0, stream, payload);
  }

  void reset(int stream, int errorCode) throws IOException {
    frame(RST_STREAM, 0, stream, int32(errorCode));
  }

  /**
   * Sends a PING and waits for its ACK: the server handles a connection's frames in order, so once the
   * ACK is back it has handled everything sent before. False when the connection closed instead.
   */
  boolean ping() throws InterruptedException {
    try {
      frame(PING, 0, 0, new byte[8]);
      out.flush();
    } catch (IOException e) {
      return false;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (pingAcks.tryAcquire(50, TimeUnit.MILLISECONDS)) {
        return true;
      }
      if (closed.getCount() == 0) {
        return false;
      }
    }
    throw new AssertionError("neither a PING ACK nor a closed connection within 10 s");
  }

  void flush() throws IOException {
    out.flush();
  }

  List<Frame> frames(int type) {
    return received.stream().filter(f -> f.type() == type).toList();
  }

  /** The value of a setting in a SETTINGS frame, or -1. */
  static long setting(Frame settings, int id) {
    byte[] p = settings.payload();
    for (int i = 0; i + 6 <= p.length; i += 6) {
      if ((((p[i] & 0xff) << 8) | (p[i + 1] & 0xff)) == id) {
        return ((long) (p[i + 2] & 0xff) << 24) | ((p[i + 3] & 0xff) << 16) | ((p[i + 4] & 0xff) << 8) | (p[i + 5] & 0xff);
      }
    }
    return -1;
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
        (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
    out.write(header);
    out.write(payload);
  }

  private void read() {
    try {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        received.add(new Frame(type, flags, stream, payload));
        if (type == SETTINGS && (flags & 1) == 0) {
          serverSettings.countDown();
        }
        if (type == PING && (flags & 1) != 0) {
          pingAcks.release();
        }
        if (type == GOAWAY) {
          goAway.countDown();
        }
      }
    } catch (IOException e) {
      // end of stream or reset: the server closed the connection
    } finally {
      closed.countDown();
    }
  }

  /** HPACK (RFC 7541) without Huffman coding or the dynamic table: indexed fields and literals only. */
  private static byte[] headerBlock(String authority) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0x83); // :method POST
    block.write(0x86); // :scheme http
    literal(block, new byte[] {0x04}, "/opentelemetry.proto.collector.trace.v1.TraceService/Export"); // :path
    literal(block, new byte[] {0x01}, authority); // :authority
    literal(block, new byte[] {0x0f, 0x10}, "application/grpc"); // content-type (static index 31)
    block.write(0x00); // te: a new name
    string(block, "te");
    string(block, "trailers");
    return block.toByteArray();
  }

  private static void literal(ByteArrayOutputStream block, byte[] nameIndex, String value) {
    block.writeBytes(nameIndex);
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length >= 127) {
      throw new IllegalArgumentException("longer strings need a multi-byte length");
    }
    block.write(bytes.length);
    block.writeBytes(bytes);
  }

  private static byte[] int32(int value) {
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
