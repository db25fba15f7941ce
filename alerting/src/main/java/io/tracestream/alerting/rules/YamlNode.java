package io.tracestream.alerting.rules;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers the line of every node, so that a rule error can say
 * where it is (Jackson's own tree forgets locations).
 */
final class YamlNode {
  private static final YAMLFactory YAML = new YAMLFactory();

  final int line;
  final Map<String, YamlNode> map;
  final List<YamlNode> list;
  final String scalar; // null for a YAML null

  private YamlNode(int line, Map<String, YamlNode> map, List<YamlNode> list, String scalar) {
    this.line = line;
    this.map = map;
    this.list = list;
    this.scalar = scalar;
  }

  static YamlNode parse(String text, String source) {
    try (JsonParser parser = YAML.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new RuleFileException(source, 1, "the file is empty; expected 'rules:' with a list of rules");
      }
      return read(parser, source);
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new RuleFileException(source, where == null ? 1 : Math.max(1, where.getLineNr()),
          "not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new RuleFileException(source, 1, "cannot read: " + e);
    }
  }

  private static YamlNode read(JsonParser parser, String source) throws IOException {
    int line = parser.currentTokenLocation().getLineNr();
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT -> {
        Map<String, YamlNode> map = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          int keyLine = parser.currentTokenLocation().getLineNr();
          parser.nextToken();
          YamlNode value = read(parser, source);
          if (map.put(name, value) != null) {
            throw new RuleFileException(source, keyLine, "'" + name + "' is given twice");
          }
        }
        return new YamlNode(line, map, null, null);
      }
      case START_ARRAY -> {
        List<YamlNode> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(parser, source));
        }
        return new YamlNode(line, null, list, null);
      }
      case VALUE_NULL -> {
        return new YamlNode(line, null, null, null);
      }
      default -> {
        return new YamlNode(line, null, null, parser.getText());
      }
    }
  }

  boolean isMap() {
    return map != null;
  }

  boolean isList() {
    return list != null;
  }

  boolean isScalar() {
    return scalar != null;
  }
}
