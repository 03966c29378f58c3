package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The permission table, and what a principal sees and where it may define. */
class RoleTest {

  @Test
  void thePermissionTable() {
    assertThat(EnumSet.allOf(Permission.class).stream().filter(Role.VIEWER::permits)).containsExactly(Permission.READ);
    assertThat(EnumSet.allOf(Permission.class).stream().filter(Role.OPERATOR::permits))
        .containsExactly(Permission.READ, Permission.OPERATE);
    assertThat(EnumSet.allOf(Permission.class).stream().filter(Role.ADMIN::permits))
        .containsExactlyElementsOf(EnumSet.allOf(Permission.class));
  }

  @Test
  void rolesAreNamedInLowerCaseOnly() {
    assertThat(Role.fromClaim("viewer")).contains(Role.VIEWER);
    assertThat(Role.fromClaim("operator")).contains(Role.OPERATOR);
    assertThat(Role.fromClaim("admin")).contains(Role.ADMIN);
    assertThat(Role.fromClaim("ADMIN")).isEmpty();
    assertThat(Role.fromClaim("root")).isEmpty();
    assertThat(Role.fromClaim(null)).isEmpty();
  }

  @Test
  void aPrincipalSeesItsProjectsAnAdminEverythingIncludingNoProject() {
    Principal blue = new Principal("b", Role.OPERATOR, Set.of("blue"));
    assertThat(blue.sees("blue")).isTrue();
    assertThat(blue.sees("green")).isFalse();
    assertThat(blue.sees(null)).isFalse();
    Principal admin = new Principal("a", Role.ADMIN, Set.of());
    assertThat(admin.sees("green")).isTrue();
    assertThat(admin.sees(null)).isTrue();
  }

  @Test
  void theProjectOfADefine() {
    Principal one = new Principal("o", Role.OPERATOR, Set.of("blue"));
    assertThat(one.projectForDefine(null)).isEqualTo("blue");
    assertThat(one.projectForDefine("blue")).isEqualTo("blue");
    assertThatThrownBy(() -> one.projectForDefine("green")).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.code()).isEqualTo(FailureCode.ACCESS_DENIED));

    Principal two = new Principal("t", Role.OPERATOR, Set.of("blue", "green"));
    assertThat(two.projectForDefine("green")).isEqualTo("green");
    assertThatThrownBy(() -> two.projectForDefine(null)).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG));

    Principal none = new Principal("n", Role.OPERATOR, Set.of());
    assertThatThrownBy(() -> none.projectForDefine(null)).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.code()).isEqualTo(FailureCode.ACCESS_DENIED));

    Principal admin = new Principal("a", Role.ADMIN, Set.of());
    assertThat(admin.projectForDefine("anything")).isEqualTo("anything");
    assertThatThrownBy(() -> admin.projectForDefine(null)).isInstanceOfSatisfying(Refusal.class,
        r -> assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG));
  }

  @Test
  void aRoleWithoutThePermissionIsRefusedWithAccessDenied() {
    Principal viewer = new Principal("v", Role.VIEWER, Set.of("blue"));
    assertThatThrownBy(() -> viewer.require(Permission.OPERATE, "send commands"))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.kind()).isEqualTo(Refusal.Kind.FORBIDDEN);
          assertThat(r.getMessage()).contains("viewer").contains("send commands");
        });
  }

  @Test
  void auditActionsAndOutcomes() {
    assertThat(AuditEntry.action("CreateSnapshot")).isEqualTo("CREATE_SNAPSHOT");
    assertThat(AuditEntry.action("Define")).isEqualTo("DEFINE");
    assertThat(AuditEntry.outcomeOf(202)).isEqualTo("ACCEPTED");
    assertThat(AuditEntry.outcomeOf(401)).isEqualTo("UNAUTHENTICATED");
    assertThat(AuditEntry.outcomeOf(413)).isEqualTo("REJECTED");
    assertThat(AuditEntry.outcomeOf(503)).isEqualTo("FAILED");
  }
}
