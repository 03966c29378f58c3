package io.virtflow.agent.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * Direct kernel boot: a kernel, an optional initrd and a command line. {@code kernel} and {@code initrd}
 * name files in the host's image directory, relative to it; nothing that leaves the directory is accepted.
 */
public record Boot(String kernel, String initrd, String cmdline) {
  public static final int MAX_CMDLINE = 2048;

  /** Everything wrong with this boot section, each named. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    ImageNames.check("boot.kernel", kernel, problems);
    if (initrd != null) {
      ImageNames.check("boot.initrd", initrd, problems);
    }
    if (cmdline != null && (cmdline.length() > MAX_CMDLINE || cmdline.chars().anyMatch(c -> c < 0x20))) {
      problems.add("boot.cmdline must be at most " + MAX_CMDLINE + " printable characters");
    }
    return problems;
  }
}
