package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzz of the {@code Authorization} header, sent byte for byte over a plain socket: random strings,
 * truncated and garbled real tokens, {@code alg: none}, header and payload swapped, headers up to twice
 * the server's limit. Every answer is 401 (431 for a header over the limit), never a 2xx or a 5xx, and
 * nothing reaches a host's command topic.
 */
class AuthorizationFuzzTest {
  private static final int HEADER_LIMIT = 8192;
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;
  private static String valid;

  @BeforeContainer
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus);
    valid = TestKeys.token("fuzz", Role.ADMIN, TestKeys.PROJECT);
  }

  @AfterContainer
  static void tearDown() {
    try {
      assertThat(agent.commands()).as("commands that got through").isEmpty();
      assertThat(TopicProbe.count(bus.bootstrap(), bus.topics().hostCommands("h1"))).isZero();
    } finally {
      gw.close();
      agent.close();
    }
  }

  @Property(tries = 300)
  void everyBadAuthorizationHeaderIs401NeverWorse(@ForAll("headers") String header) throws IOException {
    int status = send(header);
    if (header.length() > HEADER_LIMIT - 200) {
      assertThat(status).as("%d-char header", header.length()).isIn(401, 431);
    } else {
      assertThat(status).as("[%s]", header.length() > 200 ? header.substring(0, 200) + "..." : header).isEqualTo(401);
    }
  }

  @Provide
  Arbitrary<String> headers() {
    Arbitrary<String> anyText = Arbitraries.strings().withCharRange(' ', '~').withChars('\t', '\u00e9', '\u00ff')
        .ofMaxLength(300);
    Arbitrary<String> bearerText = anyText.map(s -> "Bearer " + s);
    Arbitrary<String> truncated = Arbitraries.integers().between(0, valid.length() - 1)
        .map(n -> "Bearer " + valid.substring(0, n));
    Arbitrary<String> garbled = Combinators.combine(Arbitraries.integers().between(0, valid.length() - 1),
        Arbitraries.chars().with("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray()))
        .as(AuthorizationFuzzTest::garble).filter(s -> s != null).map(s -> "Bearer " + s);
    String[] parts = valid.split("\\.");
    Arbitrary<String> structural = Arbitraries.of(
        "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".",
        "Bearer " + b64("{\"alg\":\"none\"}") + "." + parts[1] + "." + parts[2],
        "Bearer " + parts[1] + "." + parts[0] + "." + parts[2],
        "Bearer " + parts[0] + "." + parts[1],
        "Bearer " + parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2],
        "Bearer " + b64("{\"alg\":\"HS256\"}") + "." + parts[1] + "." + parts[2],
        "Basic " + valid,
        "Bearer",
        "Bearer  ",
        valid,
        "");
    Arbitrary<String> huge = Arbitraries.integers().between(HEADER_LIMIT / 2, HEADER_LIMIT * 2)
        .map(n -> "Bearer " + valid + "A".repeat(n));
    return Arbitraries.oneOf(anyText, bearerText, truncated, garbled, structural, huge);
  }

  /** A real token with one base64url character changed, away from the end of a segment (whose low bits may not count). */
  private static String garble(int at, char c) {
    if (valid.charAt(at) == '.' || valid.charAt(at) == c || at + 1 >= valid.length() || valid.charAt(at + 1) == '.') {
      return null;
    }
    return valid.substring(0, at) + c + valid.substring(at + 1);
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** One POST of a define with this header, raw; the status code of the answer. */
  private static int send(String header) throws IOException {
    byte[] body = "{\"name\":\"fuzz\",\"vcpus\":1,\"memoryMiB\":64}".getBytes(StandardCharsets.US_ASCII);
    try (Socket s = new Socket(gw.base.getHost(), gw.base.getPort())) {
      s.setSoTimeout(30_000);
      s.setTcpNoDelay(true);
      java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
      request.write(("POST /v1/domains HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length + "\r\nConnection: close\r\nAuthorization: ")
          .getBytes(StandardCharsets.US_ASCII));
      request.write(header.getBytes(StandardCharsets.ISO_8859_1));
      request.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      request.write(body);
      OutputStream out = s.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        line.append((char) b);
      }
      String status = line.toString();
      assertThat(status).as("status line").startsWith("HTTP/1.1 ");
      return Integer.parseInt(status.substring(9, 12));
    }
  }
}
