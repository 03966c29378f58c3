package io.virtflow.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.Transition;

/**
 * The sim driver against the table, on real files: every call either does exactly what the table says
 * (one version step) or is refused and leaves the domain and its file untouched.
 */
class SimHypervisorPropertiesTest {

  @Provide
  Arbitrary<List<Request>> sequences() {
    Arbitrary<Request> request = Arbitraries.of(Operation.values()).flatMap(op -> Arbitraries.of(true, false)
        .map(flag -> new Request(op, flag, flag)));
    return request.list().ofMaxSize(12);
  }

  @Property(tries = 40)
  void everyCallFollowsTheTableAndARefusedOneChangesNothing(@ForAll("sequences") List<Request> sequence)
      throws IOException {
    Path dir = Files.createTempDirectory("sim-prop");
    String id = UUID.randomUUID().toString();
    Path file = dir.resolve("sim").resolve("domains").resolve(id + ".json");
    try (SimHypervisor sim = SimHypervisor.open(dir, Duration.ZERO, Map.of(), Clock.systemUTC())) {
      for (Request request : sequence) {
        Optional<Domain> before = sim.lookup(id);
        byte[] bytesBefore = Files.exists(file) ? Files.readAllBytes(file) : null;
        Transition expected = before
            .map(d -> Lifecycle.apply(d.name(), d.state(), d.reason(), request))
            .orElseGet(() -> Lifecycle.applyToAbsent("vm", request));
        try {
          Change change = request.operation() == Operation.DEFINE
              ? sim.define(id, new DomainDefinition("vm", 1, 512, List.of(), "p"))
              : Calls.apply(sim, id, request);
          Transition.Accepted accepted = (Transition.Accepted) expected;
          assertThat(change.events()).isEqualTo(accepted.events());
          assertThat(change.domain().version()).isEqualTo(before.map(Domain::version).orElse(0L) + 1);
          assertThat(sim.lookup(id).isPresent()).isEqualTo(!accepted.removed());
          assertThat(Files.exists(file)).isEqualTo(!accepted.removed());
        } catch (HypervisorException e) {
          assertThat(expected).isInstanceOf(Transition.Rejected.class);
          assertThat(e.fault()).isEqualTo(((Transition.Rejected) expected).fault());
          assertThat(sim.lookup(id)).isEqualTo(before);
          assertThat(Files.exists(file) ? Files.readAllBytes(file) : null).isEqualTo(bytesBefore);
        }
      }
    } finally {
      try (Stream<Path> paths = Files.walk(dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
