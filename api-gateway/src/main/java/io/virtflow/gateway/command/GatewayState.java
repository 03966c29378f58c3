package io.virtflow.gateway.command;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import io.virtflow.gateway.domain.CommandBook;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.DomainDirectory;
import io.virtflow.gateway.domain.DomainRef;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.HostDirectory;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.IdempotencyLedger;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.PendingDefines;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Placement;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotDirectory;
import io.virtflow.gateway.domain.StatusUpdate;

/**
 * Everything the gateway knows, in memory: the projections of {@code vm.state}, {@code host.status},
 * {@code command.status} and {@code snapshot.events}, the idempotency ledger derived from the statuses,
 * and the defines it accepted that the projections do not show yet. Not thread-safe: it lives on the
 * gateway verticle's context, where both the Kafka readers and the HTTP handlers run.
 *
 * <p>A snapshot workflow's catalog event and its command's terminal status arrive through different
 * readers, in either order. Whoever waits for such a command to end (a long poll) is woken only once
 * both are in, or after {@link #CATALOG_GRACE} without the event, so that a client that saw
 * "SUCCEEDED" and asks again sees the catalog that command produced.
 */
public final class GatewayState {
  /** The principal of statuses that carry none (written before authentication existed). */
  public static final String ANONYMOUS = "anonymous";
  /** How long a snapshot command's end waits for its catalog event before it is announced anyway. */
  public static final Duration CATALOG_GRACE = Duration.ofSeconds(5);
  /**
   * How many ended console reads keep their text (the result) in memory; older ones forget it. A console
   * log can be large, and the command book remembers up to {@code maxTrackedCommands} commands.
   */
  public static final int CONSOLE_RESULTS_KEPT = 64;

  private final Clock clock;
  private final Duration hostDownAfter;
  private final DomainDirectory domains = new DomainDirectory();
  private final HostDirectory hosts = new HostDirectory();
  private final CommandBook commands;
  private final IdempotencyLedger ledger;
  private final PendingDefines pending = new PendingDefines();
  private final SnapshotDirectory snapshots;
  private final Map<String, List<Consumer<CommandTrack>>> terminalWatchers = new HashMap<>();
  /** Snapshot commands that ended, held back until their catalog event is read. */
  private final Map<String, Held> awaitingCatalog = new HashMap<>();
  /** The ended console reads that still hold their text, oldest first. */
  private final ArrayDeque<CommandTrack> consoleResults = new ArrayDeque<>();
  /**
   * The project of every domain seen, kept after the domain is gone (its last events still need it):
   * from {@code DomainState.project}, from the statuses this gateway wrote for its commands, and from
   * the defines it accepted. Bounded: the least recently touched entry goes first.
   */
  private final Map<String, String> projects;

  private record Held(CommandTrack track, Instant since) {
  }

  /** A domain a command can be sent to: from the projection, or a define still pending. */
  public record Target(String domainId, String name, String hostId) {
  }

  public GatewayState(Clock clock, Duration hostDownAfter, int maxTrackedCommands) {
    this.clock = clock;
    this.hostDownAfter = hostDownAfter;
    this.commands = new CommandBook(maxTrackedCommands);
    this.ledger = new IdempotencyLedger(maxTrackedCommands);
    this.snapshots = new SnapshotDirectory(maxTrackedCommands);
    this.projects = new java.util.LinkedHashMap<>(256, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > maxTrackedCommands;
      }
    };
  }

  public void domainChanged(DomainView view) {
    domains.upsert(view);
    if (view.project() != null) {
      projects.put(view.domainId(), view.project());
    }
  }

  /** Remembers the project of a domain this gateway is defining. */
  public void projectChosen(String domainId, String project) {
    if (project != null) {
      projects.put(domainId, project);
    }
  }

  /** The project of a domain (also of one already undefined), or null when it has none or is unknown. */
  public String projectOf(String domainId) {
    if (domainId == null) {
      return null;
    }
    Optional<DomainView> d = domains.byId(domainId);
    if (d.isPresent() && d.get().project() != null) {
      return d.get().project();
    }
    return projects.get(domainId);
  }

  /** The project of a command: its statuses', else its domain's. */
  public String projectOf(CommandTrack track) {
    return track.project() != null ? track.project() : projectOf(track.domainId());
  }

  public void domainRemoved(String domainId) {
    domains.remove(domainId);
    pending.domainRemoved(domainId);
  }

  public void hostReported(HostView host) {
    hosts.upsert(host);
  }

  /** Applies a command status; wakes whoever waits for the command to end. */
  public CommandBook.Applied statusReported(StatusUpdate u) {
    CommandBook.Applied applied = commands.apply(u);
    if (u.project() != null && u.domainId() != null) {
      projects.putIfAbsent(u.domainId(), u.project());
    }
    CommandTrack track = applied.track();
    if (track.idempotencyKey() != null && track.requestHash() != null) {
      ledger.remember(track.principal() == null ? ANONYMOUS : track.principal(), track.idempotencyKey(),
          track.requestHash(), track.commandId(), track.domainId());
    }
    if (applied.becameTerminal()) {
      pending.ended(track.commandId(), track.phase() == Phase.SUCCEEDED, u.at());
      if (endsWithCatalog(track) && !snapshots.settled(track.commandId())) {
        awaitingCatalog.put(track.commandId(), new Held(track, clock.instant()));
      } else {
        announceEnd(track);
      }
      if (Operation.ReadConsole.NAME.equals(track.operation())) {
        keepConsoleResult(track);
      }
    }
    return applied;
  }

  private void keepConsoleResult(CommandTrack track) {
    consoleResults.addLast(track);
    while (consoleResults.size() > CONSOLE_RESULTS_KEPT) {
      consoleResults.removeFirst().forgetResult();
    }
  }

  /** A snapshot workflow started (CREATING, REVERTING, DELETING). */
  public void snapshotWorkflowStarted(String domainId, SnapshotDirectory.InProgress inProgress) {
    snapshots.started(domainId, inProgress);
  }

  /** A snapshot workflow ended; {@code catalog} is the domain's whole catalog now, or null if unchanged. */
  public void snapshotWorkflowEnded(String domainId, String commandId, SnapshotCatalogView catalog) {
    snapshots.finished(domainId, commandId, catalog);
    Held held = commandId == null ? null : awaitingCatalog.remove(commandId);
    if (held != null) {
      announceEnd(held.track());
    }
  }

  /** The domain's snapshot catalog is gone. */
  public void snapshotsDropped(String domainId) {
    snapshots.dropped(domainId);
  }

  /** Whether a command has ended as far as its watchers are concerned (a snapshot one: with its catalog in). */
  public boolean ended(CommandTrack track) {
    return track.terminal() && !awaitingCatalog.containsKey(track.commandId());
  }

  /** Create, revert and delete end with a catalog event; refusals and expiries publish none. */
  private static boolean endsWithCatalog(CommandTrack track) {
    return Operation.changesCatalog(track.operation())
        && (track.phase() == Phase.SUCCEEDED || track.phase() == Phase.FAILED);
  }

  private void announceEnd(CommandTrack track) {
    List<Consumer<CommandTrack>> watchers = terminalWatchers.remove(track.commandId());
    if (watchers != null) {
      watchers.forEach(w -> w.accept(track));
    }
  }

  /**
   * Calls {@code watcher} once when the command has {@link #ended}. Returns a handle that
   * unregisters it (a long poll that timed out).
   */
  public Runnable onTerminal(String commandId, Consumer<CommandTrack> watcher) {
    terminalWatchers.computeIfAbsent(commandId, k -> new ArrayList<>(1)).add(watcher);
    return () -> terminalWatchers.computeIfPresent(commandId, (k, list) -> {
      list.remove(watcher);
      return list.isEmpty() ? null : list;
    });
  }

  /**
   * Forgets pending defines that are settled or expired; announces snapshot commands whose catalog event
   * did not come within {@link #CATALOG_GRACE}.
   */
  public void sweep() {
    Instant now = clock.instant();
    pending.sweep(now, hostId -> hosts.find(hostId).map(HostView::heartbeatAt).orElse(null), domains::contains);
    List<Held> overdue = new ArrayList<>();
    awaitingCatalog.values().removeIf(h -> {
      boolean late = !now.isBefore(h.since().plus(CATALOG_GRACE));
      if (late) {
        overdue.add(h);
      }
      return late;
    });
    overdue.forEach(h -> announceEnd(h.track()));
  }

  /** The domain a {@code {domain}} reference names: id or name, projection first, then pending defines. */
  public Optional<Target> resolve(String ref) {
    Optional<DomainView> known = domains.find(ref);
    if (known.isPresent()) {
      DomainView d = known.get();
      return Optional.of(new Target(d.domainId(), d.name(), d.hostId()));
    }
    Optional<PendingDefines.Pending> p = DomainRef.isUuid(ref)
        ? pending.byDomainId(DomainRef.canonicalId(ref)) : pending.byName(ref);
    return p.map(x -> new Target(x.domainId(), x.name(), x.hostId()));
  }

  public boolean hostUp(HostView h) {
    return h.up(clock.instant(), hostDownAfter);
  }

  /**
   * The TIMED_OUT statuses of the commands that will never run: waiting for a host that is DOWN (or was
   * never seen) past their deadline plus {@code hostDownAfter}. Their agent, should it come back, ends
   * them TIMED_OUT too (it checks the deadline first); without this they would stay ACCEPTED forever.
   */
  public List<StatusUpdate> overdue() {
    Instant now = clock.instant();
    List<StatusUpdate> out = new ArrayList<>();
    for (CommandTrack t : commands.unfinished()) {
      if (!t.missedItsStart(now, hostDownAfter)) {
        continue;
      }
      boolean down = t.hostId() == null || hosts.find(t.hostId()).map(h -> !hostUp(h)).orElse(true);
      if (down) {
        out.add(new StatusUpdate(t.commandId(), t.domainId(), t.hostId(), t.operation(), Phase.TIMED_OUT,
            "TIMEOUT", "host " + t.hostId() + " is down and the command's deadline " + t.deadline()
                + " passed before it could start: it will not run", null, now, t.principal(), null, null, null,
            t.jobId(), t.project()));
      }
    }
    return out;
  }

  /** Memory placed on a host by this gateway that its last heartbeat does not show yet. */
  public long reservedMiB(HostView h) {
    return pending.reservedMiB(h.hostId(), h.heartbeatAt());
  }

  public List<Placement.Candidate> placementCandidates() {
    List<Placement.Candidate> out = new ArrayList<>();
    for (HostView h : hosts.all()) {
      out.add(new Placement.Candidate(h.hostId(), hostUp(h), h.memoryMiB(), h.memoryMiBUsed(), reservedMiB(h),
          Set.copyOf(h.images())));
    }
    return out;
  }

  public DomainDirectory domains() {
    return domains;
  }

  public HostDirectory hosts() {
    return hosts;
  }

  public CommandBook commands() {
    return commands;
  }

  public IdempotencyLedger ledger() {
    return ledger;
  }

  public SnapshotDirectory snapshots() {
    return snapshots;
  }

  public PendingDefines pending() {
    return pending;
  }

  public Clock clock() {
    return clock;
  }
}
