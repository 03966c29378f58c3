package io.virtflow.platform.config;

import io.virtflow.schema.Topics;

/**
 * How a service reaches the Kafka bus. Read from {@code VIRTFLOW_KAFKA_BOOTSTRAP},
 * {@code VIRTFLOW_TOPIC_NAMESPACE}, {@code VIRTFLOW_TOPIC_PARTITIONS}, {@code VIRTFLOW_TOPIC_REPLICATION}.
 */
public record BusConfig(String bootstrap, Topics topics, int partitions, short replication, int minInsyncReplicas) {

  public static final String BOOTSTRAP = "VIRTFLOW_KAFKA_BOOTSTRAP";
  public static final String NAMESPACE = "VIRTFLOW_TOPIC_NAMESPACE";
  public static final String PARTITIONS = "VIRTFLOW_TOPIC_PARTITIONS";
  public static final String REPLICATION = "VIRTFLOW_TOPIC_REPLICATION";
  public static final String MIN_INSYNC = "VIRTFLOW_TOPIC_MIN_INSYNC_REPLICAS";

  public static BusConfig from(Settings s) {
    String bootstrap = s.string(BOOTSTRAP, "127.0.0.1:9092");
    String namespace = s.string(NAMESPACE, "virtflow");
    Topics topics;
    try {
      topics = new Topics(namespace);
    } catch (IllegalArgumentException e) {
      s.problem(NAMESPACE + ": " + e.getMessage());
      topics = Topics.production();
    }
    int partitions = s.integer(PARTITIONS, 3, 1, 1000);
    short replication = (short) s.integer(REPLICATION, 1, 1, 10);
    int minIsr = s.integer(MIN_INSYNC, replication > 1 ? 2 : 1, 1, 10);
    if (minIsr > replication) {
      s.problem(MIN_INSYNC + "=" + minIsr + " exceeds " + REPLICATION + "=" + replication);
    }
    return new BusConfig(bootstrap, topics, partitions, replication, minIsr);
  }

  @Override
  public String toString() {
    return "bootstrap=" + bootstrap + " namespace=" + topics.namespace() + " partitions=" + partitions
        + " replication=" + replication + " minIsr=" + minInsyncReplicas;
  }
}
