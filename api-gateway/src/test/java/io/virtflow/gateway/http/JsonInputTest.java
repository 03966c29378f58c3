package io.virtflow.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.vertx.core.buffer.Buffer;
import io.virtflow.gateway.domain.Refusal;

class JsonInputTest {

  @Test
  void theCanonicalFormIgnoresKeyOrderAndWhitespace() {
    String a = JsonInput.canonical(JsonInput.object(Buffer.buffer("{\"b\": 1, \"a\": {\"y\": [1, 2], \"x\": null}}"), true));
    String b = JsonInput.canonical(JsonInput.object(Buffer.buffer("{\"a\":{\"x\":null,\"y\":[1,2]},\"b\":1}"), true));
    assertThat(a).isEqualTo(b).isEqualTo("{\"a\":{\"x\":null,\"y\":[1,2]},\"b\":1}");
    assertThat(JsonInput.canonical(null)).isEqualTo("{}");
  }

  @Test
  void duplicateKeysAndTrailingDataAreMalformed() {
    assertThatThrownBy(() -> JsonInput.object(Buffer.buffer("{\"a\":1,\"a\":2}"), true))
        .isInstanceOf(Refusal.class).hasMessageContaining("body");
    assertThatThrownBy(() -> JsonInput.object(Buffer.buffer("{\"a\":1} {}"), true))
        .isInstanceOf(Refusal.class).hasMessageContaining("body");
  }

  @Test
  void hugeWholeNumbersReadAsOutOfRangeNotAsErrors() {
    var node = JsonInput.object(Buffer.buffer("{\"n\": 123456789012345678901234567890, \"m\": -123456789012345678901234567890}"), true);
    assertThat(JsonInput.integer(node, "", "n", true)).isEqualTo(Long.MAX_VALUE);
    assertThat(JsonInput.integer(node, "", "m", true)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void anEmptyBodyIsNullUnlessRequired() {
    assertThat(JsonInput.object(Buffer.buffer("  "), false)).isNull();
    assertThatThrownBy(() -> JsonInput.object(Buffer.buffer(""), true)).isInstanceOf(Refusal.class);
  }
}
