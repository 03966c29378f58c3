package io.virtflow.agent.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.virtflow.agent.domain.Job;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's memory of what it did, per command id: an append-only file of JSON lines, each fsync'd
 * before the call that wrote it returns, read back whole at start.
 *
 * <ul>
 *   <li>{@link Intent} before a command touches the hypervisor;
 *   <li>{@link Outcome} once it ended, before its offset may be committed: a redelivered command is
 *       answered from here, never applied twice;
 *   <li>a pending cancellation, for a Cancel that arrived before its target;
 *   <li>each domain's {@link Job} as it is taken and let go, so that a job outlives a restart.
 * </ul>
 *
 * A crash in the middle of an append leaves a torn last line without its newline: it was never
 * acknowledged, so it is cut off at the next open. A damaged line anywhere else stops the open loudly.
 * Thread-safe: appends are serialized, lookups read memory.
 */
public final class OutcomeJournal implements AutoCloseable {
  public static final String FILE = "outcomes.jsonl";
  private static final Logger LOG = LoggerFactory.getLogger(OutcomeJournal.class);

  private final Path file;
  private final FileChannel channel;
  private final Map<String, Intent> intents = new ConcurrentHashMap<>();
  private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
  private final Map<String, String> cancellations = new ConcurrentHashMap<>();
  /** Domain id to the job that holds it (perhaps expired: the caller judges by its clock). */
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  /** Serialises syncs; when both locks are held, this one is taken first. */
  private final Object syncLock = new Object();
  private final java.util.concurrent.atomic.AtomicLong syncCount = new java.util.concurrent.atomic.AtomicLong();
  /** End of the data written (guarded by this). */
  private long written;
  /** End of the data known to be on disk (written under syncLock). */
  private volatile long synced;
  /** The failure of a sync, after which nothing more is appended (guarded by this). */
  private IOException broken;

  private OutcomeJournal(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Opens (creating if needed) the journal in {@code dataDir} and loads every record. Blocking. */
  public static OutcomeJournal open(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    boolean created = !Files.exists(file);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    if (created) {
      AtomicFile.syncDirectory(dataDir.toAbsolutePath());
    }
    OutcomeJournal journal = new OutcomeJournal(file, channel);
    try {
      journal.load();
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return journal;
  }

  private void load() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int start = 0;
    int lineNo = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      lineNo++;
      String line = new String(bytes, start, i - start, StandardCharsets.UTF_8);
      start = i + 1;
      if (line.isBlank()) {
        continue;
      }
      try {
        remember(JournalCodec.decode(line));
      } catch (IOException | RuntimeException e) {
        throw new IOException(file + " line " + lineNo + " is damaged: " + e.getMessage(), e);
      }
    }
    if (start < bytes.length) {
      LOG.warn("{}: cutting off a torn last record ({} bytes) left by a crash", file, bytes.length - start);
      channel.truncate(start);
      channel.force(true);
    }
    channel.position(start);
  }

  private void remember(JournalCodec.Line line) {
    if (line.intent() != null) {
      intents.put(line.intent().commandId(), line.intent());
    } else if (line.outcome() != null) {
      outcomes.put(line.outcome().commandId(), line.outcome());
    } else if (line.cancellation() != null) {
      cancellations.put(line.cancellation().targetCommandId(), line.cancellation().cancelCommandId());
    } else if (line.job() != null) {
      jobs.put(line.job().domainId(), line.job());
    } else {
      jobs.computeIfPresent(line.jobEnd().domainId(), (d, j) -> j.isHeldBy(line.jobEnd().jobId()) ? null : j);
    }
  }

  /** Durably records that {@code intent.commandId()} is about to touch the hypervisor. Blocking. */
  public void recordIntent(Intent intent) throws IOException {
    append(JournalCodec.encode(intent));
    intents.put(intent.commandId(), intent);
  }

  /** Durably records how a command ended. Blocking. */
  public void recordOutcome(Outcome outcome) throws IOException {
    append(JournalCodec.encode(outcome));
    outcomes.put(outcome.commandId(), outcome);
  }

  /** Durably records that {@code targetCommandId}, not seen yet, is to end CANCELLED. Blocking. */
  public void recordCancellation(String targetCommandId, String cancelCommandId) throws IOException {
    append(JournalCodec.encode(new JournalCodec.Cancellation(targetCommandId, cancelCommandId)));
    cancellations.put(targetCommandId, cancelCommandId);
  }

  /** Durably records that {@code job} holds its domain (replacing any earlier job of the domain). Blocking. */
  public void recordJob(Job job) throws IOException {
    append(JournalCodec.encode(job));
    jobs.put(job.domainId(), job);
  }

  /** Durably records that {@code jobId} let go of {@code domainId}. Blocking. */
  public void recordJobEnd(String domainId, String jobId) throws IOException {
    append(JournalCodec.encode(new JournalCodec.JobEnd(domainId, jobId)));
    jobs.computeIfPresent(domainId, (d, j) -> j.isHeldBy(jobId) ? null : j);
  }

  /** The last job taken on the domain and not ended; it may have expired since. */
  public Optional<Job> job(String domainId) {
    return Optional.ofNullable(jobs.get(domainId));
  }

  public Optional<Outcome> outcome(String commandId) {
    return Optional.ofNullable(outcomes.get(commandId));
  }

  /** The intent of a command that started and has no outcome yet: it was cut off by a crash, or runs now. */
  public Optional<Intent> unfinishedIntent(String commandId) {
    return outcomes.containsKey(commandId) ? Optional.empty() : Optional.ofNullable(intents.get(commandId));
  }

  /**
   * The domains of {@code versions} that a command started on at or after the version given (or at all,
   * for {@link Domain#ABSENT}): their changes since are that command's to publish.
   */
  public java.util.Set<String> domainsChangedSince(Map<String, Long> versions) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (Intent i : intents.values()) {
      Long since = versions.get(i.domainId());
      if (since != null && (since == io.virtflow.agent.domain.Domain.ABSENT || i.versionBefore() >= since)) {
        out.add(i.domainId());
      }
    }
    return out;
  }

  /** Whether the command ever started (an intent was recorded for it). */
  public boolean started(String commandId) {
    return intents.containsKey(commandId);
  }

  /** The Cancel waiting for this command, if one arrived before it. */
  public Optional<String> pendingCancellation(String commandId) {
    return Optional.ofNullable(cancellations.get(commandId));
  }

  public int outcomeCount() {
    return outcomes.size();
  }

  /**
   * Writes one line and returns once it is on disk. Group commit: the line is written under this object's
   * lock, then the caller waits for a sync that started after its write; concurrent callers (different
   * domains on different worker threads) share one {@code fdatasync} instead of queueing one each.
   * A failed sync leaves the file's tail in doubt, so the journal refuses every later append (the agent
   * fails loudly instead of going on with records that may not be durable).
   */
  private void append(String json) throws IOException {
    byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
    long mine;
    synchronized (this) {
      if (broken != null) {
        throw new IOException("the journal " + file + " is unusable since a sync failed: " + broken.getMessage(),
            broken);
      }
      long end = channel.position();
      try {
        AtomicFile.writeFully(channel, ByteBuffer.wrap(line));
      } catch (IOException e) {
        // Do not leave half a line for the next record to be glued to.
        try {
          channel.truncate(end);
          channel.position(end);
        } catch (IOException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
      written = channel.position();
      mine = written;
    }
    syncThrough(mine);
  }

  private void syncThrough(long position) throws IOException {
    synchronized (syncLock) {
      if (synced >= position) {
        return; // a sync that started after this line was written has finished
      }
      long target;
      synchronized (this) {
        if (broken != null) {
          throw new IOException("the journal " + file + " is unusable since a sync failed: " + broken.getMessage(),
              broken);
        }
        target = written;
      }
      try {
        // Data only: fdatasync also flushes the file's new length, which is all the metadata we need.
        channel.force(false);
        syncCount.incrementAndGet();
      } catch (IOException e) {
        synchronized (this) {
          broken = e;
        }
        throw e;
      }
      synced = target;
    }
  }

  /** How many syncs the journal has made; with concurrent appends, fewer than the lines it holds. */
  public long syncs() {
    return syncCount.get();
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
