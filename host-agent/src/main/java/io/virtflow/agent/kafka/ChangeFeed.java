package io.virtflow.agent.kafka;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Observations;
import io.virtflow.agent.driver.DriverGuard;
import io.virtflow.agent.driver.Hypervisor;
import io.virtflow.agent.store.OutcomeJournal;
import io.virtflow.agent.store.RecordedEvent;

/**
 * What changed that nobody asked for: a domain as the driver has it now against the domain as last published
 * ({@link Observations}), published as events without a command and a new state. An observation is settled
 * in its domain's turn (the {@link CommandProcessor} queues it), so it never overtakes the domain's commands,
 * and what a command changed is already in the inventory when it runs, so it is not published twice.
 */
final class ChangeFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  private final String hostId;
  private final Hypervisor driver;
  private final DriverGuard guard;
  private final Context context;
  private final OutcomeJournal journal;
  private final BusWriter bus;
  private final Inventory inventory;
  private final Effects effects;
  private final OutcomePublisher publisher;
  private final Supplier<UUID> ids;

  ChangeFeed(String hostId, Hypervisor driver, DriverGuard guard, Context context, OutcomeJournal journal,
      BusWriter bus, Inventory inventory, Effects effects, OutcomePublisher publisher, Supplier<UUID> ids) {
    this.hostId = hostId;
    this.driver = driver;
    this.guard = guard;
    this.context = context;
    this.journal = journal;
    this.bus = bus;
    this.inventory = inventory;
    this.effects = effects;
    this.publisher = publisher;
    this.ids = ids;
  }

  /**
   * At start, before any command is taken: what changed while the agent was down, as the difference between
   * the states it last published and the driver's domains now, is published once. A domain that a command
   * changed after its last published state is left out: that command's redelivery publishes what it did
   * (the periodic resync finds anything else).
   */
  Future<Void> publishChangesSince(Collection<Domain> published) {
    Map<String, Domain> last = new HashMap<>();
    published.forEach(d -> last.put(d.id(), d));
    Set<String> domainIds = new HashSet<>(last.keySet());
    domainIds.addAll(inventory.ids());
    Set<String> commanded = journal.domainsChangedSince(domainIds.stream().collect(Collectors.toMap(
        id -> id, id -> last.containsKey(id) ? last.get(id).version() : Domain.ABSENT)));
    List<Future<Void>> out = new ArrayList<>();
    for (String id : domainIds) {
      Optional<Domain> known = Optional.ofNullable(last.get(id));
      Optional<Domain> now = inventory.get(id);
      if (commanded.contains(id)) {
        continue;
      }
      List<Event> events = Observations.between(known, now, Optional.empty());
      if (events.isEmpty()) {
        continue;
      }
      String name = now.or(() -> known).map(Domain::name).orElse(id);
      LOG.info("{}: domain '{}' changed while the agent was down: {}", hostId, name, events);
      Instant at = effects.now();
      List<io.virtflow.schema.DomainEvent> records = events.stream()
          .map(e -> Messages.observedEventOf(id, name, new RecordedEvent(ids.get(), e, at), hostId)).toList();
      out.add(effects.send(() -> bus.events(records)));
      if (now.isEmpty()) {
        out.add(effects.send(() -> bus.tombstone(id)));
      }
    }
    return Future.all(out).mapEmpty();
  }

  /**
   * An observation's turn: the domain as the driver has it now against the domain as last published. A
   * domain whose command was cut off by a restart is left to that command's redelivery, which publishes
   * what it did.
   */
  Future<Void> settle(String domainId, Optional<Event> hint) {
    Future<Optional<Domain>> read = Future.fromCompletionStage(guard.read("lookup", () -> driver.lookup(domainId)),
        context);
    return read.<Void>compose(now -> {
      if (effects.halted()) {
        return Future.failedFuture(new Effects.HaltedException());
      }
      if (Observations.passing(now)) {
        return Future.succeededFuture();
      }
      Optional<Domain> known = inventory.get(domainId);
      List<Event> events = Observations.between(known, now, hint);
      boolean moved = now.map(Domain::version).orElse(Domain.ABSENT) != known.map(Domain::version).orElse(Domain.ABSENT)
          // The guest agent connecting or going away changes no state, but shows in the domain's.
          || !Objects.equals(now.map(Domain::agentConnected).orElse(null),
              known.map(Domain::agentConnected).orElse(null));
      // The driver's view is the truth from now on, also where nothing a subscriber sees changed.
      inventory.remember(domainId, now);
      if (events.isEmpty() && !moved) {
        return Future.succeededFuture();
      }
      String name = now.or(() -> known).map(Domain::name).orElse(domainId);
      if (!events.isEmpty()) {
        LOG.info("{}: domain '{}' changed without a command: {}", hostId, name, events);
      }
      Instant at = effects.now();
      List<io.virtflow.schema.DomainEvent> records = events.stream()
          .map(e -> Messages.observedEventOf(domainId, name, new RecordedEvent(ids.get(), e, at), hostId)).toList();
      Future<Void> published = records.isEmpty() ? Future.succeededFuture() : effects.send(() -> bus.events(records));
      return Future.all(published, effects.send(() -> publisher.publishState(domainId))).<Void>mapEmpty();
    }).recover(e -> {
      // Level-triggered: a failed read or write is found again by the next resync.
      LOG.warn("{}: could not settle an observed change of domain {}: {}", hostId, domainId, e.toString());
      return Future.succeededFuture();
    });
  }
}
