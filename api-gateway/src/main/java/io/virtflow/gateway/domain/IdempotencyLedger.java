package io.virtflow.gateway.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which idempotency keys were used for which accepted command, per principal. It is rebuilt from
 * {@code command.status} (every status carries the key and the request hash), so it survives a restart
 * of the gateway. The first command seen for a key wins. Bounded: the oldest keys are forgotten first.
 */
public final class IdempotencyLedger {

  /** The command a key was used for. */
  public record Entry(String requestHash, String commandId, String domainId) {
  }

  /** What to do with a request that carries a key. */
  public sealed interface Decision {
    /** The key is new: carry the request out. */
    record Fresh() implements Decision {
    }

    /** The same request again: answer with the original command, publish nothing. */
    record Replay(Entry original) implements Decision {
    }

    /** The key was used for another request. */
    record Conflict(Entry original) implements Decision {
    }
  }

  private final Map<String, Entry> entries;

  public IdempotencyLedger(int cap) {
    this.entries = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > cap;
      }
    };
  }

  public Decision decide(String principal, String key, String requestHash) {
    Entry e = entries.get(slot(principal, key));
    if (e == null) {
      return new Decision.Fresh();
    }
    return e.requestHash().equals(requestHash) ? new Decision.Replay(e) : new Decision.Conflict(e);
  }

  /** Remembers a key's command, unless the key is already taken by an earlier one. */
  public void remember(String principal, String key, String requestHash, String commandId, String domainId) {
    Objects.requireNonNull(requestHash);
    Objects.requireNonNull(commandId);
    entries.putIfAbsent(slot(principal, key), new Entry(requestHash, commandId, domainId));
  }

  public int size() {
    return entries.size();
  }

  private static String slot(String principal, String key) {
    return Objects.requireNonNull(principal) + '\u0000' + Objects.requireNonNull(key);
  }
}
