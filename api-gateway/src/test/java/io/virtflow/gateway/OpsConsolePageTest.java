package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.testing.KafkaFixture;

/**
 * The ops console's files as HTTP answers: served without a token, with a Content-Security-Policy of the
 * gateway's own origin only, revalidated on every load. (What the page does is {@link OpsConsoleBrowserTest}.)
 */
class OpsConsolePageTest {
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    gw = RunningGateway.start(KafkaFixture.freshBus());
  }

  @AfterAll
  static void tearDown() {
    gw.close();
  }

  @Test
  void thePageAndItsFilesNeedNoTokenAndAllowOnlyTheirOwnOrigin() {
    for (String[] f : List.of(new String[] {"/", "text/html"}, new String[] {"/console/index.html", "text/html"},
        new String[] {"/console/app.js", "text/javascript"}, new String[] {"/console/app.css", "text/css"})) {
      RunningGateway.Answer a = gw.get(f[0], "Authorization", "");
      assertThat(a.status()).as(f[0]).isEqualTo(200);
      assertThat(a.contentType()).as(f[0]).startsWith(f[1]).contains("charset=utf-8");
      String csp = a.header("Content-Security-Policy");
      assertThat(csp).as(f[0]).contains("default-src 'self'").contains("script-src 'self'")
          .contains("style-src 'self'").contains("connect-src 'self'").contains("frame-ancestors 'none'")
          .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval").doesNotContain("http:").doesNotContain("*");
      assertThat(a.header("Cache-Control")).isEqualTo("no-cache");
      assertThat(a.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(a.header("Referrer-Policy")).isEqualTo("no-referrer");
      assertThat(a.header("ETag")).startsWith("\"").endsWith("\"");
    }
    assertThat(gw.get("/", "Authorization", "").body()).contains("<script src=\"/console/app.js\" defer>")
        .contains("/console/app.css");
  }

  @Test
  void anUnchangedFileIsNotSentAgain() {
    RunningGateway.Answer first = gw.get("/console/app.js", "Authorization", "");
    RunningGateway.Answer again = gw.get("/console/app.js", "Authorization", "", "If-None-Match", first.header("ETag"));
    assertThat(again.status()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(gw.get("/console/app.js", "Authorization", "", "If-None-Match", "\"other\"").status()).isEqualTo(200);
    assertThat(gw.get("/console/app.css", "Authorization", "").header("ETag")).isNotEqualTo(first.header("ETag"));
  }

  @Test
  void nothingElseIsServedUnderConsole() {
    for (String path : List.of("/console/nope.js", "/console/", "/console/../pom.xml", "/console/%2e%2e/app.js",
        "/console/app.js/x")) {
      RunningGateway.Answer a = gw.get(path, "Authorization", "");
      assertThat(a.status()).as(path).isEqualTo(404);
      assertThat(a.body()).as(path).doesNotContain("use strict");
    }
  }

  @Test
  void thePageNeverPutsTheTokenInAUrlNorDataIntoMarkup() {
    String js = gw.get("/console/app.js", "Authorization", "").body();
    // EventSource cannot send headers: the stream is read with fetch and the token in Authorization.
    assertThat(js).doesNotContain("new EventSource").doesNotContain("innerHTML").doesNotContain("outerHTML")
        .doesNotContain("insertAdjacentHTML").doesNotContain("document.write").doesNotContain("localStorage")
        .doesNotContain("eval(");
    assertThat(js).contains("'Authorization': 'Bearer ' + state.token").contains("sessionStorage")
        .contains("getReader()");
    String html = gw.get("/", "Authorization", "").body();
    assertThat(html).doesNotContain("style=").doesNotContain("onclick=").doesNotContain("<script>");
  }
}
