package io.virtflow.agent.domain;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A domain's disks as they really are, for reconcile and inspection: per disk the active file and its whole
 * backing chain (as {@code qemu-img info --backing-chain --output=json} prints it, kept as that text), the
 * domain's files in the pool, the internal snapshots each file holds, and the files that could not be read.
 */
public record DiskReport(Map<String, DiskChain> disks, List<String> poolFiles, Map<String, List<String>> tags,
    Map<String, String> unreadable) {

  /**
   * One disk: {@code active} the file the guest uses, {@code chainJson} qemu-img's JSON array (top first; "[]"
   * when unreadable), {@code error} why it could not be read, or null.
   */
  public record DiskChain(String active, String chainJson, String error) {
    public DiskChain {
      Objects.requireNonNull(chainJson, "chainJson");
    }
  }

  public DiskReport {
    disks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(disks));
    poolFiles = List.copyOf(poolFiles);
    tags = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
    unreadable = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(unreadable));
  }
}
