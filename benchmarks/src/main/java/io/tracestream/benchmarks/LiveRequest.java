package io.tracestream.benchmarks;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A pre-encoded {@code ExportTraceServiceRequest} whose spans are moved to the present just before it
 * is sent: every trace is shifted as a whole so that its last span ends at the send time, keeping
 * durations and the order inside the trace, as an SDK batch that is exported right after its spans
 * end. Start and end times are fixed64 fields, so the shift writes 16 bytes per span into a copy of the
 * bytes, with no protobuf work on the client. Event times near the wall clock make windows close during
 * the run, so the freshness of their results can be measured.
 *
 * <p>Every send also gets trace ids of its own: the first 8 bytes of each trace id (in spans and in
 * span links alike, so a request's traces and links stay as related as generated) are XORed with a
 * number unique to the send. Without that, cycling through a few pre-encoded requests would send the
 * same traces again and again, and trace assembly would see a few huge traces instead of many.
 */
final class LiveRequest {
  private static final int RESOURCE_SPANS = 1; // ExportTraceServiceRequest.resource_spans
  private static final int SCOPE_SPANS = 2; // ResourceSpans.scope_spans
  private static final int SPANS = 2; // ScopeSpans.spans
  private static final int TRACE_ID = 1; // Span.trace_id
  private static final int START = 7; // Span.start_time_unix_nano, fixed64
  private static final int END = 8; // Span.end_time_unix_nano, fixed64
  private static final int LINKS = 13; // Span.links
  private static final int TRACE_ID_BYTES = 16;
  private static final java.util.concurrent.atomic.AtomicLong SENDS = new java.util.concurrent.atomic.AtomicLong();

  private final byte[] bytes;
  private int spans;
  private int[] startOffsets = new int[512];
  private int[] endOffsets = new int[512];
  private long[] start = new long[512];
  private long[] end = new long[512];
  private int[] trace = new int[512];
  private long[] traceEnd = new long[64];
  /** Where the 16 bytes of every trace id (of spans and of links) start. */
  private int[] traceIdOffsets = new int[1024];
  private int traceIds;

  private LiveRequest(byte[] bytes) {
    this.bytes = bytes;
  }

  static LiveRequest of(byte[] request) {
    LiveRequest live = new LiveRequest(request);
    try {
      live.scan();
    } catch (IOException e) {
      throw new UncheckedIOException("not an ExportTraceServiceRequest", e);
    }
    return live;
  }

  int spans() {
    return spans;
  }

  /** A copy of the request whose traces each end at {@code nowNanos} (epoch nanoseconds). */
  byte[] at(long nowNanos) {
    byte[] copy = bytes.clone();
    long salt = SENDS.incrementAndGet() * 0x9E3779B97F4A7C15L;
    for (int i = 0; i < traceIds; i++) {
      int o = traceIdOffsets[i];
      for (int k = 0; k < 8; k++) {
        copy[o + k] ^= (byte) (salt >>> (8 * k));
      }
    }
    for (int i = 0; i < spans; i++) {
      long shift = nowNanos - traceEnd[trace[i]];
      putLongLe(copy, startOffsets[i], start[i] + shift);
      putLongLe(copy, endOffsets[i], end[i] + shift);
    }
    return copy;
  }

  private void scan() throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    Map<ByteString, Integer> traces = new HashMap<>();
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (!nested(in, tag, RESOURCE_SPANS)) {
        in.skipField(tag);
        continue;
      }
      int rsLimit = in.pushLimit(in.readRawVarint32());
      while (!in.isAtEnd()) {
        int rsTag = in.readTag();
        if (!nested(in, rsTag, SCOPE_SPANS)) {
          in.skipField(rsTag);
          continue;
        }
        int ssLimit = in.pushLimit(in.readRawVarint32());
        while (!in.isAtEnd()) {
          int ssTag = in.readTag();
          if (!nested(in, ssTag, SPANS)) {
            in.skipField(ssTag);
            continue;
          }
          int spanLimit = in.pushLimit(in.readRawVarint32());
          span(in, traces);
          in.popLimit(spanLimit);
        }
        in.popLimit(ssLimit);
      }
      in.popLimit(rsLimit);
    }
  }

  private void span(CodedInputStream in, Map<ByteString, Integer> traces) throws IOException {
    grow();
    int i = spans++;
    ByteString traceId = ByteString.EMPTY;
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      if (field == TRACE_ID && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        traceId = traceId(in);
      } else if (field == LINKS && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        int linkLimit = in.pushLimit(in.readRawVarint32());
        while (!in.isAtEnd()) {
          int linkTag = in.readTag();
          if (nested(in, linkTag, TRACE_ID)) {
            traceId(in);
          } else {
            in.skipField(linkTag);
          }
        }
        in.popLimit(linkLimit);
      } else if (field == START && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_FIXED64) {
        startOffsets[i] = in.getTotalBytesRead();
        start[i] = in.readFixed64();
      } else if (field == END && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_FIXED64) {
        endOffsets[i] = in.getTotalBytesRead();
        end[i] = in.readFixed64();
      } else {
        in.skipField(tag);
      }
    }
    if (startOffsets[i] == 0 || endOffsets[i] == 0) {
      throw new IllegalStateException("span " + i + " has no start or end time");
    }
    int t = traces.computeIfAbsent(traceId, id -> traces.size());
    if (t >= traceEnd.length) {
      traceEnd = java.util.Arrays.copyOf(traceEnd, traceEnd.length * 2);
    }
    trace[i] = t;
    traceEnd[t] = Math.max(traceEnd[t], end[i]);
  }

  /** Reads a trace id's length and bytes, noting where the bytes are when it is a valid (16-byte) id. */
  private ByteString traceId(CodedInputStream in) throws IOException {
    int length = in.readRawVarint32();
    int offset = in.getTotalBytesRead();
    in.skipRawBytes(length);
    ByteString id = ByteString.copyFrom(bytes, offset, length);
    if (length == TRACE_ID_BYTES) {
      if (traceIds == traceIdOffsets.length) {
        traceIdOffsets = java.util.Arrays.copyOf(traceIdOffsets, traceIds * 2);
      }
      traceIdOffsets[traceIds++] = offset;
    }
    return id;
  }

  private static boolean nested(CodedInputStream in, int tag, int field) {
    return WireFormat.getTagFieldNumber(tag) == field
        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  private void grow() {
    if (spans == startOffsets.length) {
      int n = spans * 2;
      startOffsets = java.util.Arrays.copyOf(startOffsets, n);
      endOffsets = java.util.Arrays.copyOf(endOffsets, n);
      start = java.util.Arrays.copyOf(start, n);
      end = java.util.Arrays.copyOf(end, n);
      trace = java.util.Arrays.copyOf(trace, n);
    }
  }

  private static void putLongLe(byte[] b, int offset, long v) {
    for (int k = 0; k < 8; k++) {
      b[offset + k] = (byte) (v >>> (8 * k));
    }
  }
}
