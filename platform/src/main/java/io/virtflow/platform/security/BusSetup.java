package io.virtflow.platform.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.kafka.TopicAdmin;

/**
 * Makes a SASL bus ready for the services, as the super user: creates the topics (shared ones and each
 * agent's command topic), the SCRAM-SHA-512 users and the ACLs of {@link BusAcls}. Idempotent: run it
 * again after adding a host. The compose file runs it once ({@code kafka-init}) before any service.
 *
 * <p>As a program it reads the bus settings of {@link BusConfig} (with the admin's credentials) and
 * {@value #USERS}: {@code user=password,...}, the users to create; {@code agent-<hostId>} users name the
 * hosts.
 */
public final class BusSetup {
  private static final Logger LOG = LoggerFactory.getLogger(BusSetup.class);
  public static final String USERS = "VIRTFLOW_BUS_USERS";
  /** Above Kafka's minimum of 4096; each login costs this many hash rounds. */
  private static final int ITERATIONS = 8192;

  private BusSetup() {
  }

  public static void main(String[] args) {
    Settings s = Settings.fromEnvironment();
    BusConfig bus = BusConfig.from(s);
    Map<String, String> users = parseUsers(s.required(USERS), s);
    s.validate();
    LOG.info("setting up the bus: {}, users {}", bus, users.keySet());
    // Started together with the brokers: wait for them (up to 3 minutes) rather than fail at once.
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (true) {
      try (Admin admin = Admin.create(KafkaSettings.admin(bus, "virtflow-bus-setup"))) {
        apply(admin, bus, users);
        LOG.info("bus ready");
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > until) {
          LOG.error("bus set-up failed: {}", e.getMessage());
          System.exit(1);
        }
        LOG.warn("bus not ready yet ({}); trying again", e.getMessage());
        try {
          Thread.sleep(3000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          System.exit(1);
        }
      }
    }
  }

  /** {@code user=password,...}; every problem goes to {@code s}. */
  public static Map<String, String> parseUsers(String spec, Settings s) {
    Map<String, String> users = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String user = eq < 0 ? entry.trim() : entry.substring(0, eq).trim();
      if (eq <= 0 || eq == entry.length() - 1) {
        s.problem(USERS + ": '" + user + "' needs user=password");
      } else if (!user.equals(BusAcls.GATEWAY) && !user.equals(BusAcls.SNAPSHOT) && BusAcls.hostOf(user) == null) {
        s.problem(USERS + ": '" + user + "' is none of gateway, snapshot, agent-<hostId>");
      } else {
        users.put(user, entry.substring(eq + 1));
      }
    }
    return users;
  }

  /** Topics, users, ACLs: each step skips what exists. Blocking. */
  public static void apply(Admin admin, BusConfig bus, Map<String, String> users) {
    List<String> hosts = users.keySet().stream().map(BusAcls::hostOf).filter(Objects::nonNull).toList();
    TopicAdmin topics = new TopicAdmin(bus);
    topics.ensureSharedTopics(admin);
    hosts.forEach(h -> topics.ensureHostTopic(admin, h));
    createUsers(admin, users);
    List<AclBinding> acls = new BusAcls(bus.topics()).all(hosts);
    createAcls(admin, acls);
    // Both reach the brokers through the metadata log, a moment after the controller accepted them: a
    // service that logs in before its credentials arrived is refused. Return once the broker has them.
    awaitVisible(admin, users.keySet(), acls);
  }

  private static void awaitVisible(Admin admin, Collection<String> users, List<AclBinding> acls) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        boolean usersThere = admin.describeUserScramCredentials(List.copyOf(users)).all()
            .get(10, TimeUnit.SECONDS).keySet().containsAll(users);
        boolean aclsThere = admin.describeAcls(AclBindingFilter.ANY).values().get(10, TimeUnit.SECONDS)
            .containsAll(acls);
        if (usersThere && aclsThere) {
          return;
        }
      } catch (ExecutionException e) {
        // A user not known yet is an error of the describe call: look again.
        LOG.debug("not visible yet: {}", e.getCause().toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for users and ACLs", e);
      } catch (TimeoutException e) {
        LOG.debug("describe timed out");
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException("users or ACLs did not reach the broker within 30 s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for users and ACLs", e);
      }
    }
  }

  public static void createUsers(Admin admin, Map<String, String> users) {
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    users.forEach((user, password) -> upserts.add(new UserScramCredentialUpsertion(user,
        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), password)));
    await(admin.alterUserScramCredentials(upserts).all().toCompletionStage().toCompletableFuture(), "create users");
  }

  public static void createAcls(Admin admin, Collection<AclBinding> acls) {
    await(admin.createAcls(acls).all().toCompletionStage().toCompletableFuture(), "create ACLs");
  }

  private static void await(CompletableFuture<Void> f, String what) {
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + what, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot " + what + ": " + (e.getCause() == null ? e : e.getCause()), e);
    }
  }
}
