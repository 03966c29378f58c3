package io.virtflow.gateway.http;

import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.core.buffer.Buffer;
import io.virtflow.gateway.domain.Refusal;

/**
 * Strict reading of JSON request bodies: one object, no duplicate keys, no trailing data, no field the
 * API does not know, and every value of the type the API says. Each problem is a {@link Refusal} that
 * names the field ({@code disks[1].sizeGiB}).
 */
final class JsonInput {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
  private static final ObjectMapper CANONICAL = new ObjectMapper()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private JsonInput() {
  }

  /**
   * The body as a JSON object; an empty body is null unless {@code required}.
   */
  static ObjectNode object(Buffer body, boolean required) {
    if (body == null || body.length() == 0 || body.toString().isBlank()) {
      if (required) {
        throw Refusal.invalid("body", "a JSON object is required");
      }
      return null;
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(body.getBytes());
    } catch (JsonProcessingException e) {
      throw Refusal.invalid("body", "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw Refusal.invalid("body", "unreadable JSON: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw Refusal.invalid("body", "must be a JSON object");
    }
    return (ObjectNode) node;
  }

  /** Refuses any field not in {@code allowed}. */
  static void onlyFields(ObjectNode node, String prefix, Set<String> allowed) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw Refusal.invalid(prefix + name, "unknown field (expected one of " + new java.util.TreeSet<>(allowed) + ")");
      }
    }
  }

  /** A string field; null when absent or JSON null and not required. */
  static String string(ObjectNode node, String prefix, String name, boolean required) {
    JsonNode v = present(node, prefix, name, required);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw Refusal.invalid(prefix + name, "must be a string, got " + describe(v));
    }
    return v.textValue();
  }

  /** A whole-number field; values beyond a long read as the nearest long so that range checks report them. */
  static Long integer(ObjectNode node, String prefix, String name, boolean required) {
    JsonNode v = present(node, prefix, name, required);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw Refusal.invalid(prefix + name, "must be a whole number, got " + describe(v));
    }
    if (!v.canConvertToLong()) {
      return v.bigIntegerValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return v.longValue();
  }

  static Boolean bool(ObjectNode node, String prefix, String name, boolean required) {
    JsonNode v = present(node, prefix, name, required);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      throw Refusal.invalid(prefix + name, "must be true or false, got " + describe(v));
    }
    return v.booleanValue();
  }

  /** A string field naming one constant of {@code type}, exactly as the constant is spelled. */
  static <E extends Enum<E>> E constant(ObjectNode node, String prefix, String name, Class<E> type, boolean required) {
    String v = string(node, prefix, name, required);
    if (v == null) {
      return null;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(v)) {
        return e;
      }
    }
    throw Refusal.invalid(prefix + name, "must be one of " + java.util.Arrays.toString(type.getEnumConstants())
        + ", got '" + v + "'");
  }

  static ArrayNode array(ObjectNode node, String prefix, String name, boolean required) {
    JsonNode v = present(node, prefix, name, required);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      throw Refusal.invalid(prefix + name, "must be an array, got " + describe(v));
    }
    return (ArrayNode) v;
  }

  /** An object field; null when absent or JSON null and not required. */
  static ObjectNode object(ObjectNode node, String prefix, String name, boolean required) {
    JsonNode v = present(node, prefix, name, required);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw Refusal.invalid(prefix + name, "must be an object, got " + describe(v));
    }
    return (ObjectNode) v;
  }

  static ObjectNode element(ArrayNode array, String field, int index) {
    JsonNode v = array.get(index);
    if (!v.isObject()) {
      throw Refusal.invalid(field + "[" + index + "]", "must be an object, got " + describe(v));
    }
    return (ObjectNode) v;
  }

  /** The body in canonical form (keys sorted, no whitespace): an empty body reads as {@code {}}. */
  static String canonical(ObjectNode node) {
    if (node == null) {
      return "{}";
    }
    try {
      return CANONICAL.writeValueAsString(CANONICAL.treeToValue(node, Object.class));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write back parsed JSON", e);
    }
  }

  private static JsonNode present(ObjectNode node, String prefix, String name, boolean required) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      if (required) {
        throw Refusal.invalid(prefix + name, "is required");
      }
      return null;
    }
    return v;
  }

  private static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "a string";
    }
    if (v.isNumber()) {
      return "the number " + v.asText();
    }
    if (v.isBoolean()) {
      return v.asText();
    }
    if (v.isArray()) {
      return "an array";
    }
    if (v.isObject()) {
      return "an object";
    }
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
