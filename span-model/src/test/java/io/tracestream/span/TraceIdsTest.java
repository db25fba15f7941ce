package io.tracestream.span;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

class TraceIdsTest {

  @Test
  void toHexWritesTwoLowercaseDigitsPerByte() {
    ByteString id = ByteString.copyFrom(new byte[] {0x00, 0x0f, (byte) 0xab, (byte) 0xff});

    assertThat(TraceIds.toHex(id)).isEqualTo("000fabff");
  }

  @Test
  void fromHexOfToHexGivesTheSameBytes() {
    byte[] id = {0x5b, (byte) 0x8e, (byte) 0xff, (byte) 0xf7, (byte) 0x98, 0x03, (byte) 0x81, 0x03,
        (byte) 0xd2, 0x69, (byte) 0xb6, 0x33, (byte) 0x81, 0x3f, (byte) 0xc6, 0x0c};

    String hex = TraceIds.toHex(ByteString.copyFrom(id));

    assertThat(hex).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(TraceIds.fromHex(hex)).containsExactly(id);
  }

  @Test
  void fromHexAcceptsUpperCase() {
    assertThat(TraceIds.fromHex("EEE19B7EC3C1B174")).containsExactly(TraceIds.fromHex("eee19b7ec3c1b174"));
  }

  @Test
  void fromHexOfEmptyStringIsEmpty() {
    assertThat(TraceIds.fromHex("")).isEmpty();
  }

  @Test
  void fromHexRejectsOddLength() {
    assertThatThrownBy(() -> TraceIds.fromHex("abc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("odd");
  }

  @Test
  void fromHexRejectsNonHexCharacter() {
    assertThatThrownBy(() -> TraceIds.fromHex("0g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'g'");
  }

  /** Character.digit alone reads fullwidth and Arabic-Indic digits as hex; ids are ASCII only. */
  @Test
  void fromHexRejectsNonAsciiDigits() {
    assertThatThrownBy(() -> TraceIds.fromHex("\uFF21\uFF22")) // fullwidth "AB"
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TraceIds.fromHex("\u0661\u0662")) // Arabic-Indic "12"
        .isInstanceOf(IllegalArgumentException.class);
  }
}
