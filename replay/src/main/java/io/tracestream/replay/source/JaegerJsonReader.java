package io.tracestream.replay.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;

/**
 * Jaeger JSON as {@code /api/traces} answers and the Jaeger UI downloads:
 * {@code {"data":[{"traceID","spans","processes"}, ...]}}, or a bare array of such traces. Read with a
 * streaming parser, one trace in memory at a time; each trace is translated by
 * {@link JaegerTranslator}. Invalid JSON ends the stream (the parser cannot find its way back in);
 * a trace that is valid JSON but not a valid trace is skipped alone.
 */
final class JaegerJsonReader implements SpanReader {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Override
  public void read(InputStream in, String name, SpanSink sink) throws IOException {
    int trace = 0;
    long line = 1;
    try (JsonParser parser = MAPPER.getFactory().createParser(in)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return;
      }
      if (first == JsonToken.START_OBJECT && !seekData(parser)) {
        sink.bad(name + ":1", "no \"data\" array of traces: not Jaeger JSON");
        return;
      }
      if (parser.currentToken() != JsonToken.START_ARRAY) {
        sink.bad(name + ":1", "expected {\"data\": [traces]} or [traces]");
        return;
      }
      while (parser.nextToken() == JsonToken.START_OBJECT) {
        trace++;
        line = parser.currentTokenLocation().getLineNr();
        JsonNode node = MAPPER.readTree(parser);
        String location = name + ":" + line + " (trace " + trace + ", traceID " + node.path("traceID").asText("?") + ")";
        try {
          sink.accept(JaegerTranslator.translate(node), location);
        } catch (BadInputException e) {
          sink.bad(location, e.getMessage());
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      long at = e.getLocation() == null ? line : e.getLocation().getLineNr();
      sink.bad(name + ":" + at, "invalid JSON after trace " + trace + ", the rest of the file is skipped: "
          + e.getOriginalMessage());
    }
  }

  /** Moves to the value of the top-level {@code data} field, skipping other fields; false if there is none. */
  private static boolean seekData(JsonParser parser) throws IOException {
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      if (field.equals("data")) {
        return true;
      }
      parser.skipChildren();
    }
    return false;
  }
}
