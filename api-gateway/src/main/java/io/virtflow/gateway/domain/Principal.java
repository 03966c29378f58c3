package io.virtflow.gateway.domain;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who asks, as its verified token says: the subject's name, its role and the projects it belongs to.
 * An admin sees every project (and domains without one); everyone else only its own projects.
 */
public record Principal(String name, Role role, Set<String> projects) {
  /** The principal of records written before authentication existed. */
  public static final String ANONYMOUS = "anonymous";

  public Principal {
    Objects.requireNonNull(name);
    Objects.requireNonNull(role);
    projects = Set.copyOf(new TreeSet<>(projects));
  }

  public boolean may(Permission p) {
    return role.permits(p);
  }

  /** Whether a domain (or command) of {@code project} exists for this principal; null = no project (legacy). */
  public boolean sees(String project) {
    if (role.permits(Permission.ALL_PROJECTS)) {
      return true;
    }
    return project != null && projects.contains(project);
  }

  /** Throws {@link Refusal#forbidden} unless the role has the permission. */
  public void require(Permission p, String what) {
    if (!may(p)) {
      throw Refusal.forbidden("role '" + role.claim() + "' may not " + what);
    }
  }

  /**
   * The project a define lands in: the one asked for (which must be one of the token's, for an admin any
   * project), or the token's only project.
   */
  public String projectForDefine(String requested) {
    if (requested != null) {
      if (!sees(requested)) {
        throw Refusal.forbidden("'" + name + "' is not a member of project '" + requested + "'");
      }
      return requested;
    }
    if (projects.size() == 1) {
      return projects.iterator().next();
    }
    if (projects.isEmpty()) {
      if (may(Permission.ALL_PROJECTS)) {
        throw Refusal.invalid("project", "is required: the token names no project");
      }
      throw Refusal.forbidden("'" + name + "' is a member of no project and cannot define domains");
    }
    throw Refusal.invalid("project", "is required: the token names several projects " + projects);
  }

  /** The projects, joined by ',' (for audit records), or null when none. */
  public String projectsText() {
    return projects.isEmpty() ? null : String.join(",", new TreeSet<>(projects));
  }
}
