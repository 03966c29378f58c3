package io.virtflow.agent.domain;

import java.util.Locale;

/** The lifecycle calls of libvirt's domain API that change a domain. */
public enum Operation {
  DEFINE, UNDEFINE, START, SHUTDOWN, REBOOT, DESTROY, SUSPEND, RESUME;

  /** The verb as a message uses it: "cannot start domain 'web1'". */
  public String verb() {
    return name().toLowerCase(Locale.ROOT);
  }
}
