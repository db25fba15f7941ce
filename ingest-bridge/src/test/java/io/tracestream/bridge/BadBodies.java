package io.tracestream.bridge;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/** Pieces of the bad request bodies the bad-input tests send. */
final class BadBodies {
  private BadBodies() {}

  static KeyValue attribute(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  /** An array inside an array ... {@code depth} times, around a string. */
  static AnyValue nested(int depth) {
    AnyValue value = AnyValue.newBuilder().setStringValue("leaf").build();
    for (int i = 0; i < depth; i++) {
      value = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build();
    }
    return value;
  }

  /** Overwrites the first occurrence of {@code what} in {@code body} with {@code with}, of the same length. */
  static void replace(byte[] body, byte[] what, byte[] with) {
    for (int i = 0; i + what.length <= body.length; i++) {
      if (Arrays.equals(body, i, i + what.length, what, 0, what.length)) {
        System.arraycopy(with, 0, body, i, with.length);
        return;
      }
    }
    throw new IllegalArgumentException("marker not found");
  }

  static byte[] gzip(byte[] raw) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(raw);
    }
    return out.toByteArray();
  }
}
