package io.virtflow.platform.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.schema.Topics;

/**
 * The one Kafka cluster of a test JVM, shared by every test class: Testcontainers' {@link KafkaContainer}
 * where a Docker engine answers, the embedded KRaft broker otherwise. Tests keep apart by giving each
 * run its own topic namespace ({@link #freshBus()}), never by a broker of their own.
 */
public final class KafkaFixture {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaFixture.class);
  private static String bootstrap;
  private static EmbeddedKafka embedded;
  private static Admin admin;

  private KafkaFixture() {
  }

  public static synchronized String bootstrap() {
    if (bootstrap == null) {
      if (dockerAvailable()) {
        KafkaContainer container = new KafkaContainer("apache/kafka:4.1.0");
        container.start();
        bootstrap = container.getBootstrapServers();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
        LOG.info("test Kafka: container at {}", bootstrap);
      } else {
        try {
          Path dir = Files.createTempDirectory("virtflow-test-kafka");
          embedded = EmbeddedKafka.start(dir.resolve("log"), 0);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        bootstrap = embedded.bootstrapServers();
        Runtime.getRuntime().addShutdownHook(new Thread(embedded::close));
        LOG.info("test Kafka: embedded KRaft broker at {}", bootstrap);
      }
    }
    return bootstrap;
  }

  /** The embedded broker, when that is what the fixture runs (tests that stop and restart it need it). */
  public static synchronized EmbeddedKafka embedded() {
    bootstrap();
    return embedded;
  }

  public static synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(KafkaSettings.admin(bootstrap(), "test-admin"));
    }
    return admin;
  }

  /** A bus of its own for one test: a fresh namespace with every shared topic created. */
  public static BusConfig freshBus() {
    return freshBus(3);
  }

  public static BusConfig freshBus(int partitions) {
    Topics topics = new Topics("t-" + UUID.randomUUID().toString().substring(0, 8));
    BusConfig bus = new BusConfig(bootstrap(), topics, partitions, (short) 1, 1);
    new TopicAdmin(bus).ensureSharedTopics(admin());
    return bus;
  }

  private static boolean dockerAvailable() {
    if ("false".equals(System.getenv("VIRTFLOW_TEST_DOCKER"))) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }
}
