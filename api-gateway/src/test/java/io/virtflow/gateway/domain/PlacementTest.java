package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PlacementTest {

  @Test
  void picksTheUpHostWithTheMostFreeMemory() {
    var chosen = Placement.choose(List.of(
        new Placement.Candidate("a", true, 16_384, 8_192, 0),
        new Placement.Candidate("b", true, 32_768, 4_096, 0),
        new Placement.Candidate("c", false, 1_000_000, 0, 0)));
    assertThat(chosen).contains("b");
  }

  @Test
  void memoryReservedByPendingDefinesCounts() {
    var chosen = Placement.choose(List.of(
        new Placement.Candidate("a", true, 16_384, 8_192, 0),
        new Placement.Candidate("b", true, 32_768, 4_096, 24_576)));
    assertThat(chosen).contains("a");
  }

  @Test
  void tiesGoToTheSmallestHostId() {
    var chosen = Placement.choose(List.of(
        new Placement.Candidate("z", true, 100, 0, 0),
        new Placement.Candidate("m", true, 100, 0, 0)));
    assertThat(chosen).contains("m");
  }

  @Test
  void noUpHostNoPlacement() {
    assertThat(Placement.choose(List.of(new Placement.Candidate("a", false, 100, 0, 0)))).isEmpty();
    assertThat(Placement.choose(List.of())).isEmpty();
  }

  @Test
  void aDefinitionThatNamesImagesGoesOnlyToAnUpHostThatHasThemAll() {
    var rich = new Placement.Candidate("rich", true, 1_000_000, 0, 0, Set.of("base.qcow2"));
    var full = new Placement.Candidate("full", true, 16_384, 0, 0, Set.of("base.qcow2", "vmlinuz", "x"));
    var down = new Placement.Candidate("down", false, 1_000_000, 0, 0, Set.of("base.qcow2", "vmlinuz"));
    assertThat(Placement.choose(List.of(rich, full, down), List.of("base.qcow2", "vmlinuz"))).contains("full");
    assertThat(Placement.choose(List.of(rich, full, down), List.of("base.qcow2"))).contains("rich");
    assertThat(Placement.choose(List.of(rich, full, down), List.of())).contains("rich");
    assertThat(Placement.choose(List.of(rich, full, down), List.of("windows.qcow2"))).isEmpty();
    assertThat(rich.lacking(List.of("vmlinuz", "base.qcow2", "initrd", "vmlinuz")))
        .containsExactly("vmlinuz", "initrd");
  }

  @Provide
  Arbitrary<List<Placement.Candidate>> hosts() {
    Arbitrary<Placement.Candidate> host = Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(4),
        Arbitraries.of(true, false), Arbitraries.longs().between(0, 1 << 20), Arbitraries.longs().between(0, 1 << 20),
        Arbitraries.longs().between(0, 1 << 16)).as(Placement.Candidate::new);
    return host.list().ofMaxSize(8).uniqueElements(Placement.Candidate::hostId);
  }

  @Property
  void theChoiceIsUpAndHasAtLeastTheFreeMemoryOfEveryOtherUpHost(@ForAll("hosts") List<Placement.Candidate> hosts) {
    var chosen = Placement.choose(hosts);
    boolean anyUp = hosts.stream().anyMatch(Placement.Candidate::up);
    assertThat(chosen.isPresent()).isEqualTo(anyUp);
    chosen.ifPresent(id -> {
      Placement.Candidate c = hosts.stream().filter(h -> h.hostId().equals(id)).findFirst().orElseThrow();
      assertThat(c.up()).isTrue();
      hosts.stream().filter(Placement.Candidate::up).forEach(h -> assertThat(c.freeMiB()).isGreaterThanOrEqualTo(h.freeMiB()));
    });
  }
}
