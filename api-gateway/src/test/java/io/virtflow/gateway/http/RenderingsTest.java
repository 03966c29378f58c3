package io.virtflow.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

class RenderingsTest {

  @Test
  void aResultIsShownAsTheJsonItHoldsOrAsTextWhenItIsNotJson() {
    assertThat(Renderings.result("{\"consistent\":false,\"drift\":[\"vda: overlay missing\"]}"))
        .isEqualTo(new JsonObject().put("consistent", false).put("drift", new JsonArray().add("vda: overlay missing")));
    assertThat(Renderings.result("[1,2]")).isEqualTo(new JsonArray().add(1).add(2));
    assertThat(Renderings.result("done, 3 disks")).isEqualTo("done, 3 disks");
    assertThat(Renderings.result("{\"open\":")).isEqualTo("{\"open\":");
    assertThat(Renderings.result(null)).isNull();
  }
}
