package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.DomainStateCode;

/**
 * {@code GET /v1/domains?limit=&after=}: pages in name order that together list every visible domain once,
 * {@code next} only while more follow, other projects' domains never counted or shown, and a bad
 * {@code limit} or {@code after} refused with 400.
 */
class DomainListPagingTest {
  private static final String BLUE = TestKeys.token("bob", Role.VIEWER, "blue");
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;
  private static final List<String> BLUE_NAMES = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1");
    gw = RunningGateway.start(bus);
    for (int i = 0; i < 25; i++) {
      String name = String.format("page-%02d", i);
      // Every third domain is another project's: a blue page must skip it, not come up short.
      String project = i % 3 == 0 ? "green" : "blue";
      agent.state(UUID.randomUUID().toString(), name, DomainStateCode.SHUTOFF, 1, project);
      if (project.equals("blue")) {
        BLUE_NAMES.add(name);
      }
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.get("/v1/domains").json().getJsonArray("domains").size() == 25);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static List<String> names(JsonObject page) {
    JsonArray domains = page.getJsonArray("domains");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < domains.size(); i++) {
      out.add(domains.getJsonObject(i).getString("name"));
    }
    return out;
  }

  @Test
  void pagesListEveryDomainOnceInNameOrder() {
    List<String> all = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      RunningGateway.Answer a = gw.get("/v1/domains?limit=7" + (after == null ? "" : "&after=" + after));
      assertThat(a.status()).as(a.toString()).isEqualTo(200);
      List<String> names = names(a.json());
      assertThat(names.size()).isLessThanOrEqualTo(7);
      all.addAll(names);
      after = a.json().getString("next");
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(4);
    assertThat(all).hasSize(25).isSorted().doesNotHaveDuplicates();
    // Without a limit: everything, no cursor (the list as it always was).
    JsonObject whole = gw.get("/v1/domains").json();
    assertThat(names(whole)).isEqualTo(all);
    assertThat(whole.containsKey("next")).isFalse();
  }

  @Test
  void aPageThatEndsTheListHasNoNext() {
    JsonObject page = gw.get("/v1/domains?limit=25").json();
    assertThat(names(page)).hasSize(25);
    assertThat(page.containsKey("next")).isFalse();
    JsonObject first = gw.get("/v1/domains?limit=24").json();
    assertThat(first.getString("next")).isNotNull();
    JsonObject last = gw.get("/v1/domains?limit=24&after=" + first.getString("next")).json();
    assertThat(names(last)).containsExactly("page-24");
    assertThat(last.containsKey("next")).isFalse();
  }

  @Test
  void pagesOfAProjectHoldOnlyItsDomainsAndAreFull() {
    List<String> seen = new ArrayList<>();
    String after = null;
    do {
      RunningGateway.Answer a = gw.get("/v1/domains?limit=5" + (after == null ? "" : "&after=" + after),
          "Authorization", RunningGateway.bearer(BLUE));
      assertThat(a.status()).as(a.toString()).isEqualTo(200);
      List<String> names = names(a.json());
      after = a.json().getString("next");
      if (after != null) {
        assertThat(names).hasSize(5);
      }
      seen.addAll(names);
    } while (after != null);
    assertThat(seen).isEqualTo(BLUE_NAMES);
  }

  @Test
  void badLimitsAndCursorsAreRefused() {
    for (String query : List.of("limit=0", "limit=1001", "limit=x", "after=%21%21", "after=bm90LWEtY3Vyc29y",
        "limit=5&limit=6", "page=2")) {
      RunningGateway.Answer a = gw.get("/v1/domains?" + query);
      assertThat(a.status()).as(query + ": " + a).isEqualTo(400);
      assertThat(a.json().getString("code")).as(query).isEqualTo("INVALID_ARG");
    }
  }
}
