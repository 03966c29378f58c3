package io.virtflow.platform.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import io.virtflow.platform.broker.EmbeddedKafka;
import io.virtflow.platform.config.Settings;
import io.virtflow.schema.Topics;

/** The ACL table's shape, and the set-up tool's input checks (the broker test is SecuredBusTest). */
class BusAclsTest {
  private final BusAcls acls = new BusAcls(Topics.production());

  private static List<String> reads(List<AclBinding> bindings, ResourceType type) {
    return bindings.stream().filter(b -> b.entry().operation() == AclOperation.READ)
        .filter(b -> b.pattern().resourceType() == type).map(b -> b.pattern().name()).toList();
  }

  @Test
  void noServiceButTheHostsAgentReadsACommandTopic() {
    for (List<AclBinding> other : List.of(acls.gateway(), acls.snapshot(), acls.agent("host-2"))) {
      assertThat(other).noneMatch(b -> b.entry().operation() == AclOperation.READ
          && b.pattern().name().startsWith("virtflow.host.")
          && (b.pattern().patternType() == PatternType.PREFIXED || b.pattern().name().contains("host-1")));
    }
    assertThat(reads(acls.agent("host-1"), ResourceType.TOPIC))
        .containsExactlyInAnyOrder("virtflow.host.host-1.commands", "virtflow.host.status", "virtflow.vm.state");
    assertThat(reads(acls.agent("host-1"), ResourceType.GROUP)).containsExactly("virtflow-agent-host-1");
    assertThat(acls.all(List.of("host-1", "host-2"))).allMatch(b -> b.entry().principal().startsWith("User:"));
  }

  @Test
  void hostIdsAndUserNamesAreChecked() {
    assertThat(BusAcls.agentUser("host-1")).isEqualTo("agent-host-1");
    assertThat(BusAcls.hostOf("agent-host-1")).isEqualTo("host-1");
    assertThat(BusAcls.hostOf("gateway")).isNull();
    assertThat(BusAcls.hostOf("agent-../x")).isNull();
    assertThatThrownBy(() -> BusAcls.agentUser("../etc")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theUserListIsParsedAndEveryBadEntryNamed() {
    Settings ok = new Settings(Map.of());
    assertThat(BusSetup.parseUsers("gateway=a,snapshot=b=c, agent-h1=d,", ok))
        .containsExactly(Map.entry("gateway", "a"), Map.entry("snapshot", "b=c"), Map.entry("agent-h1", "d"));
    ok.validate();

    Settings bad = new Settings(Map.of());
    assertThat(BusSetup.parseUsers("gateway,root=x,agent-h2=,=y", bad)).isEmpty();
    assertThatThrownBy(bad::validate).hasMessageContaining("'gateway' needs user=password")
        .hasMessageContaining("'root' is none of gateway, snapshot, agent-<hostId>")
        .hasMessageContaining("'agent-h2' needs user=password");
  }

  @Test
  void aSecuredBrokerNeedsAnAdminPassword() {
    assertThatThrownBy(() -> EmbeddedKafka.startSecured(Path.of("unused"), 0, ""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
