package io.tracestream.span.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The edge cases of protobuf's wire rules, each held to what {@code Span.parseFrom} (or
 * {@code AnyValue.parseFrom}) does with the same bytes and to the outcome protobuf documents, so that
 * a change in the reader or in the protobuf runtime shows here first.
 */
class WireReaderTest {
  private static final WireSchema SPAN = WireSchema.of(Span.getDescriptor());
  private static final WireSchema ANY_VALUE = WireSchema.of(AnyValue.getDescriptor());

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LEN = 2;
  private static final int START_GROUP = 3;
  private static final int END_GROUP = 4;

  @Test
  void aTenByteVarintIsReadWhole() throws IOException {
    byte[] minusOne = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);

    assertThat(WireReader.of(minusOne).readVarint64()).isEqualTo(-1L);
    assertThat(WireReader.of(minusOne).readVarint32()).isEqualTo(-1); // a negative enum or int32, sign-extended
    assertAccepted(concat(tag(Span.KIND_FIELD_NUMBER, VARINT), minusOne), "10-byte enum");
    assertAccepted(concat(tag(99, VARINT), minusOne), "10-byte unknown varint");
  }

  @Test
  void anElevenByteVarintIsRefusedWhereverItIs() {
    byte[] eleven = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);

    assertRefused(concat(tag(Span.KIND_FIELD_NUMBER, VARINT), eleven), "enum");
    assertRefused(concat(tag(Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER, VARINT), eleven), "uint32");
    assertRefused(concat(tag(99, VARINT), eleven), "unknown varint");
    assertRefused(concat(tag(Span.NAME_FIELD_NUMBER, LEN), eleven), "length");
  }

  @Test
  void aTenByteVarintWithItsLastContinuationBitSetIsTakenOnlyWhereTheParserReadsSixtyFourBits() throws IOException {
    byte[] varint = new byte[10];
    Arrays.fill(varint, (byte) 0xd9);

    assertAccepted(concat(tag(99, VARINT), varint), "unknown varint, read as readInt64 reads it");
    assertAccepted(attribute(concat(tag(AnyValue.INT_VALUE_FIELD_NUMBER, VARINT), varint)), "int64 attribute value");
    assertRefused(concat(tag(Span.KIND_FIELD_NUMBER, VARINT), varint), "enum");
    assertRefused(concat(tag(Span.DROPPED_ATTRIBUTES_COUNT_FIELD_NUMBER, VARINT), varint), "uint32");
  }

  @Test
  void aLengthWithRedundantVarintBytesIsReadAsItsValueUpToTenBytes() {
    byte[] name = "GET /x".getBytes(StandardCharsets.UTF_8);
    for (int bytes = 1; bytes <= 11; bytes++) {
      byte[] length = new byte[bytes];
      Arrays.fill(length, (byte) 0x80);
      length[0] = (byte) (name.length | (bytes > 1 ? 0x80 : 0));
      length[bytes - 1] &= 0x7f;
      byte[] span = concat(tag(Span.NAME_FIELD_NUMBER, LEN), length, name);
      if (bytes <= 10) {
        assertAccepted(span, "a length in " + bytes + " bytes");
      } else {
        assertRefused(span, "a length in " + bytes + " bytes");
      }
    }
  }

  @Test
  void truncatedLengthsAndValuesAreRefused() {
    byte[] name = "name".getBytes(StandardCharsets.UTF_8);

    assertRefused(concat(tag(Span.NAME_FIELD_NUMBER, LEN), bytes(0x85)), "a length cut in its varint");
    assertRefused(concat(tag(Span.NAME_FIELD_NUMBER, LEN), bytes(name.length + 1), name), "a string past the end");
    assertRefused(concat(tag(Span.TRACE_ID_FIELD_NUMBER, LEN), bytes(17), new byte[16]), "bytes past the end");
    assertRefused(concat(tag(99, LEN), bytes(5), name), "an unknown field past the end");
    assertRefused(concat(tag(Span.NAME_FIELD_NUMBER, LEN), bytes(0xff, 0xff, 0xff, 0xff, 0x0f)), "a negative length");
    assertRefused(concat(tag(Span.START_TIME_UNIX_NANO_FIELD_NUMBER, FIXED64), new byte[7]), "a cut fixed64");
    assertRefused(concat(tag(Span.STATUS_FIELD_NUMBER, LEN), bytes(4), tag(Status.MESSAGE_FIELD_NUMBER, LEN), bytes(3),
        name),
        "a string past the end of its message, inside the record");
    assertRefused(tag(Span.KIND_FIELD_NUMBER, VARINT), "a tag without its value");
  }

  @Test
  void skipBytesRefusesALengthPastTheEnd() {
    WireReader in = WireReader.of(bytes(3, 'a', 'b'));

    assertThatThrownBy(() -> in.skipBytes(in.readLength())).isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void invalidUtf8IsRefusedInAStringFieldAndKeptInABytesField() {
    byte[][] invalid = {
      bytes(0x80), // a continuation byte without a lead
      bytes('o', 'k', 0xc3), // a lead byte cut at the end
      bytes(0xc3, 'x'), // a lead byte followed by ASCII
      bytes(0xc0, 0xaf), // '/' in two bytes: overlong
      bytes(0xe0, 0x80, 0xaf), // '/' in three bytes: overlong
      bytes(0xf0, 0x82, 0x82, 0xac), // the euro sign in four bytes: overlong
      bytes(0xed, 0xa0, 0x80), // U+D800, a high surrogate
      bytes(0xed, 0xbf, 0xbf), // U+DFFF, a low surrogate
      bytes(0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80), // a surrogate pair written as two code points (CESU-8)
      bytes(0xf4, 0x90, 0x80, 0x80), // U+110000, past the last code point
      bytes(0xff),
    };
    for (byte[] value : invalid) {
      String what = Arrays.toString(value);
      assertRefused(concat(tag(Span.NAME_FIELD_NUMBER, LEN), bytes(value.length), value), what + " as the name");
      assertRefused(event(value), what + " as an event's name, a message the reader only skips");
      assertAccepted(concat(tag(Span.TRACE_ID_FIELD_NUMBER, LEN), bytes(value.length), value), what + " as bytes");
    }
  }

  @Test
  void validUtf8UpToTheEdgesOfTheSurrogatesIsAccepted() {
    String[] valid = {"", "GET /checkout", "n\u00e9me", "\u20ac", "\ud83d\ude00", "\ud7ff", "\ue000", "\udbff\udfff"};
    for (String value : valid) {
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      assertAccepted(concat(tag(Span.NAME_FIELD_NUMBER, LEN), bytes(utf8.length), utf8), value);
    }
  }

  @Test
  void invalidUtf8IsReportedWithTheMessageTypeHoldingIt() {
    Throwable refused = catchThrowable(() -> walk(SPAN, event(bytes(0xed, 0xa0, 0x80))));

    assertThat(refused).isInstanceOf(InvalidProtocolBufferException.class).hasMessageContaining("invalid UTF-8")
        .hasMessageContaining("Event");
  }

  @Test
  void messagesNestDeeperThanTheRecursionLimitAreRefusedWhereParseFromRefusesThem() throws IOException {
    // AnyValue -> ArrayValue -> AnyValue: two messages a level; the 100th nested message is the last one read
    for (int levels = 48; levels <= 51; levels++) {
      AnyValue value = AnyValue.newBuilder().setStringValue("leaf").build();
      for (int i = 0; i < levels; i++) {
        value = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build();
      }
      byte[] bytes = value.toByteArray();
      boolean parses = parses(() -> AnyValue.parseFrom(bytes));
      boolean reads = parses(() -> walk(ANY_VALUE, bytes));

      assertThat(reads).as(levels + " levels").isEqualTo(parses).isEqualTo(2 * levels <= WireReader.RECURSION_LIMIT);
    }
  }

  @Test
  void enteringAMessageFailsAtTheRecursionLimitNamingIt() throws IOException {
    WireReader in = WireReader.of(bytes(0));
    in.leave(in.enter(WireReader.RECURSION_LIMIT - 1));
    assertThat(in.readTag()).isZero();
    assertThatThrownBy(() -> WireReader.of(bytes(0)).enter(WireReader.RECURSION_LIMIT))
        .isInstanceOf(InvalidProtocolBufferException.class).hasMessageContaining("recursion limit");
  }

  @Test
  void unknownGroupsNestDeeperThanTheRecursionLimitAreRefused() {
    for (int groups = WireReader.RECURSION_LIMIT - 1; groups <= WireReader.RECURSION_LIMIT + 1; groups++) {
      ByteArrayOutputStream span = new ByteArrayOutputStream();
      for (int i = 0; i < groups; i++) {
        span.writeBytes(tag(50, START_GROUP));
      }
      for (int i = 0; i < groups; i++) {
        span.writeBytes(tag(50, END_GROUP));
      }
      if (groups <= WireReader.RECURSION_LIMIT) {
        assertAccepted(span.toByteArray(), groups + " nested groups");
      } else {
        assertRefused(span.toByteArray(), groups + " nested groups");
      }
    }
  }

  @Test
  void groupsAreReadAsUnknownFieldsUpToTheirOwnEndTag() {
    byte[] content = concat(tag(1, VARINT), bytes(7), tag(2, LEN), bytes(2, 'h', 'i'), tag(3, START_GROUP),
        tag(3, END_GROUP), tag(4, FIXED64), new byte[8]);

    assertAccepted(concat(tag(50, START_GROUP), content, tag(50, END_GROUP)), "a group with fields");
    assertAccepted(concat(tag(Span.NAME_FIELD_NUMBER, START_GROUP), tag(Span.NAME_FIELD_NUMBER, END_GROUP)),
        "a declared string field sent as a group");
    assertRefused(concat(tag(50, START_GROUP), content, tag(51, END_GROUP)), "a group ended by another's tag");
    assertRefused(concat(tag(50, START_GROUP), content), "a group without its end");
    assertRefused(tag(50, END_GROUP), "an end-group tag outside a group");
    assertRefused(concat(tag(Span.STATUS_FIELD_NUMBER, LEN), bytes(1), tag(1, END_GROUP)),
        "an end-group tag in a nested message");
  }

  @Test
  void invalidWireTypesAndFieldNumberZeroAreRefused() {
    assertRefused(concat(tag(50, 6), bytes(0)), "wire type 6");
    assertRefused(concat(tag(50, 7), bytes(0)), "wire type 7");
    assertRefused(bytes(0x02, 0x00), "field number 0");
  }

  @Test
  void resetReturnsToTheMarkInsideAMessageAndItsLimit() throws IOException {
    byte[] record = concat(tag(1, VARINT), bytes(1), tag(2, LEN), bytes(2), tag(1, VARINT), bytes(5), tag(3, VARINT),
        bytes(9));
    WireReader in = WireReader.of(record);
    in.readTag();
    in.readVarint32();
    in.readTag();
    int limit = in.enter(0);

    in.mark();
    assertThat(in.position()).isEqualTo(4);
    assertThat(in.readTag()).isEqualTo(1 << 3);
    assertThat(in.readVarint32()).isEqualTo(5);
    assertThat(in.readTag()).as("the end of the message").isZero();
    in.reset();

    assertThat(in.position()).isEqualTo(4);
    assertThat(in.readTag()).isEqualTo(1 << 3);
    assertThat(in.readVarint32()).isEqualTo(5);
    assertThat(in.readTag()).isZero();
    in.leave(limit);
    assertThat(in.readTag()).isEqualTo(3 << 3);
  }

  /** The reader and parseFrom both accept the bytes as a Span. */
  private static void assertAccepted(byte[] span, String what) {
    assertThat(parses(() -> Span.parseFrom(span))).as("parseFrom takes " + what).isTrue();
    assertThat(parses(() -> walk(SPAN, span))).as("the reader takes " + what).isTrue();
  }

  /** The reader and parseFrom both refuse the bytes as a Span. */
  private static void assertRefused(byte[] span, String what) {
    assertThat(parses(() -> Span.parseFrom(span))).as("parseFrom refuses " + what).isFalse();
    assertThatThrownBy(() -> walk(SPAN, span)).as("the reader refuses " + what)
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  /** Reads every field of a message as a reader skips the fields it does not use. */
  private static void walk(WireSchema schema, byte[] message) throws IOException {
    WireReader in = WireReader.of(message);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      in.skipField(schema, tag, 0);
    }
  }

  private static boolean parses(Read read) {
    try {
      read.run();
      return true;
    } catch (InvalidProtocolBufferException refused) {
      return false;
    } catch (IOException e) {
      throw new AssertionError("not from an array", e);
    }
  }

  private interface Read {
    void run() throws IOException;
  }

  /** A span holding an attribute with this AnyValue content. */
  private static byte[] attribute(byte[] anyValue) {
    byte[] keyValue = concat(tag(1, LEN), bytes(1, 'k'), tag(2, LEN), bytes(anyValue.length), anyValue);
    return concat(tag(Span.ATTRIBUTES_FIELD_NUMBER, LEN), bytes(keyValue.length), keyValue);
  }

  /** A span holding an event with this name. */
  private static byte[] event(byte[] name) {
    byte[] event = concat(tag(Span.Event.NAME_FIELD_NUMBER, LEN), bytes(name.length), name);
    return concat(tag(Span.EVENTS_FIELD_NUMBER, LEN), bytes(event.length), event);
  }

  /** A tag of a field number below 2^11, as its varint bytes. */
  private static byte[] tag(int fieldNumber, int wireType) {
    int tag = WireSchema.tag(fieldNumber, wireType);
    return tag < 0x80 ? bytes(tag) : bytes(tag & 0x7f | 0x80, tag >>> 7);
  }

  private static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
