package io.virtflow.gateway.domain;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A principal's role, the {@code role} claim of its token, and the permission table: {@code viewer}
 * reads, {@code operator} reads and commands, {@code admin} does everything in every project.
 */
public enum Role {
  VIEWER(EnumSet.of(Permission.READ)),
  OPERATOR(EnumSet.of(Permission.READ, Permission.OPERATE)),
  ADMIN(EnumSet.allOf(Permission.class));

  private final Set<Permission> permissions;

  Role(Set<Permission> permissions) {
    this.permissions = permissions;
  }

  public boolean permits(Permission p) {
    return permissions.contains(p);
  }

  /** The name in the {@code role} claim: {@code viewer}, {@code operator}, {@code admin}. */
  public String claim() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role a claim names (exactly, lower case), or empty. */
  public static Optional<Role> fromClaim(String claim) {
    for (Role r : values()) {
      if (r.claim().equals(claim)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
