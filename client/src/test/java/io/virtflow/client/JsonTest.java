package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesAndReadsBackWhatTheGatewayExchanges() {
    String text = Json.write(Map.of("name", "a\"b\\c\n\u0001", "list", List.of(1, true), "none", Map.of()));
    Map<String, Object> back = Json.object(text);
    assertThat(back.get("name")).isEqualTo("a\"b\\c\n\u0001");
    assertThat(back.get("list")).isEqualTo(List.of(new BigDecimal(1), true));
    assertThat(Json.object("{\"a\": null, \"b\": [ ], \"c\": \"\\u00e9\"}")).containsEntry("a", null)
        .containsEntry("b", List.of()).containsEntry("c", "é");
  }

  @Test
  void refusesMalformedJson() {
    for (String bad : new String[] {"{", "{\"a\" 1}", "[1,]", "{} x", "\"abc", "tru"}) {
      assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("malformed JSON");
    }
  }
}
