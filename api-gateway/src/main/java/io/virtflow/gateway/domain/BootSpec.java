package io.virtflow.gateway.domain;

import java.util.Objects;

/**
 * Direct kernel boot: the kernel and an optional initrd, both named relative to the host's image
 * directory ({@link DomainRules#imageNameProblem}), and an optional kernel command line (null: the
 * agent's default, {@code console=ttyS0}).
 */
public record BootSpec(String kernel, String initrd, String cmdline) {
  public BootSpec {
    Objects.requireNonNull(kernel);
  }
}
