package io.virtflow.client;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.virtflow.devstack.DevStack;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/**
 * One dev stack (gateway, snapshot service, one sim host agent) for every test class of this JVM, on the
 * shared test broker in a namespace of its own: starting one costs seconds, and tests keep apart by
 * domain names of their own. Test classes use it with {@code @ExtendWith(TestStack.class)}: the stack is
 * closed when the test plan ends, while the shared broker still runs (a JVM shutdown hook would race the
 * broker's own).
 */
final class TestStack implements BeforeAllCallback {
  private static DevStack stack;
  private static String namespace;

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(TestStack.class,
        k -> {
          get();
          return new Closer();
        });
  }

  private static final class Closer implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      closeStack();
    }
  }

  private static synchronized void closeStack() {
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }

  static synchronized DevStack get() {
    if (stack == null) {
      BusConfig bus = KafkaFixture.freshBus();
      namespace = bus.topics().namespace();
      try {
        stack = DevStack.start(new DevStack.Options(1, 0, 0, Files.createTempDirectory("virtflow-client-test"),
            bus.bootstrap(), namespace, 0, Map.of()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> get("/v1/hosts").contains("\"UP\""));
    }
    return stack;
  }

  static synchronized String namespace() {
    get();
    return namespace;
  }

  static VirtflowClient client() {
    DevStack s = get();
    return VirtflowClient.builder().kafka(s.bootstrap()).gateway(s.httpUrl()).namespace(namespace())
        .principal("client-test").token(s.adminToken()).commandTimeout(Duration.ofSeconds(30)).build();
  }

  /** The body of a GET on the gateway. */
  static String get(String path) {
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(stack.httpUrl() + path)).timeout(Duration.ofSeconds(10))
              .header("Authorization", "Bearer " + stack.adminToken()).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String uniqueName(String prefix) {
    return prefix + "-" + Long.toHexString(System.nanoTime());
  }
}
