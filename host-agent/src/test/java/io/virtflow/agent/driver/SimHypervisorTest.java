package io.virtflow.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;

class SimHypervisorTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);

  @TempDir
  Path dataDir;

  private SimHypervisor open() throws IOException {
    return SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), CLOCK);
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  private static DomainDefinition web(String name) {
    return new DomainDefinition(name, 2, 2048, List.of(new Disk("vda", 10, "qcow2", null),
        new Disk("vdb", 20, "qcow2", null)), "alice");
  }

  @Test
  void aNewInstanceOnTheSameDirectoryFindsEveryDomainAsItWasLeft() throws IOException {
    String web = id();
    String db = id();
    try (SimHypervisor sim = open()) {
      sim.define(web, web("web1"));
      Calls.start(sim, web, false);
      Calls.suspend(sim, web);
      sim.define(db, web("db1"));
      String gone = id();
      sim.define(gone, web("tmp"));
      Calls.undefine(sim, gone, false);
    }

    try (SimHypervisor again = open()) {
      assertThat(again.list()).extracting(Domain::name).containsExactly("db1", "web1");
      Domain w = again.lookup(web).orElseThrow();
      assertThat(w.state()).isEqualTo(State.PAUSED);
      assertThat(w.reason()).isEqualTo(Reason.USER);
      assertThat(w.version()).isEqualTo(3);
      assertThat(w.principal()).isEqualTo("alice");
      assertThat(w.vcpus()).isEqualTo(2);
      assertThat(w.memoryMiB()).isEqualTo(2048);
      assertThat(w.updatedAt()).isEqualTo(CLOCK.instant());
      assertThat(w.disks()).containsExactly(
          new Disk("vda", 10, "qcow2", dataDir.resolve("pool").resolve(web + "-vda.qcow2").toAbsolutePath().toString()),
          new Disk("vdb", 20, "qcow2",
              dataDir.resolve("pool").resolve(web + "-vdb.qcow2").toAbsolutePath().toString()));
      assertThat(again.lookupByName("db1")).map(Domain::id).contains(db);
      // And it goes on from there: resume is legal in PAUSED.
      assertThat(Calls.resume(again, web).domain().version()).isEqualTo(4);
    }
  }

  @Test
  void eachDomainIsOneJsonFileAndNoTempFileIsLeftBehind() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      sim.define(web, web("web1"));
      Calls.start(sim, web, false);
      try (var files = Files.list(sim.domainDirectory())) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly(web + ".json");
      }
      assertThat(Files.readString(sim.domainDirectory().resolve(web + ".json")))
          .contains("\"state\" : \"RUNNING\"", "\"version\" : 2");
      Calls.undefine(sim, web, true);
      try (var files = Files.list(sim.domainDirectory())) {
        assertThat(files).isEmpty();
      }
    }
  }

  @Test
  void theMemoryBackendGivesDisksTheirPathButNoFile() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      Domain d = sim.define(web, web("web1")).domain();
      assertThat(Path.of(d.disks().get(0).path())).doesNotExist();
    }
  }

  @Test
  void everyChangeGrowsTheVersionByOneAndReturnsItsEvents() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      Change defined = sim.define(web, web("web1"));
      assertThat(defined.domain().version()).isEqualTo(1);
      assertThat(defined.events()).extracting(Event::type).containsExactly(Event.Type.DEFINED);

      Change started = Calls.start(sim, web, true);
      assertThat(started.domain().version()).isEqualTo(2);
      assertThat(started.domain().state()).isEqualTo(State.PAUSED);
      assertThat(started.events()).extracting(Event::type).containsExactly(Event.Type.STARTED, Event.Type.SUSPENDED);

      Change removed = Calls.undefine(sim, web, true);
      assertThat(removed.removed()).isTrue();
      assertThat(removed.events()).extracting(Event::type).containsExactly(Event.Type.STOPPED, Event.Type.UNDEFINED);
      assertThat(sim.lookup(web)).isEmpty();
    }
  }

  @Test
  void aRefusedCallChangesNothing() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      sim.define(web, web("web1"));
      byte[] before = Files.readAllBytes(sim.domainDirectory().resolve(web + ".json"));

      assertThatThrownBy(() -> Calls.resume(sim, web))
          .isInstanceOfSatisfying(HypervisorException.class, e -> {
            assertThat(e.fault()).isEqualTo(Fault.OPERATION_INVALID);
            assertThat(e.current()).contains(State.SHUTOFF);
            assertThat(e.getMessage()).isEqualTo("cannot resume domain 'web1': it is shut off");
          });
      assertThat(sim.lookup(web).orElseThrow().version()).isEqualTo(1);
      assertThat(Files.readAllBytes(sim.domainDirectory().resolve(web + ".json"))).isEqualTo(before);
    }
  }

  @Test
  void namesAreUniquePerHost() throws IOException {
    try (SimHypervisor sim = open()) {
      sim.define(id(), web("web1"));
      String other = id();
      assertThatThrownBy(() -> sim.define(other, web("web1")))
          .isInstanceOfSatisfying(HypervisorException.class, e -> {
            assertThat(e.fault()).isEqualTo(Fault.OPERATION_INVALID);
            assertThat(e.getMessage()).isEqualTo("domain 'web1' already exists");
          });
      assertThat(sim.lookup(other)).isEmpty();
    }
  }

  @Test
  void anUnknownDomainIsNoDomain() throws IOException {
    try (SimHypervisor sim = open()) {
      String ghost = id();
      assertThatThrownBy(() -> Calls.start(sim, ghost, false))
          .isInstanceOfSatisfying(HypervisorException.class, e -> assertThat(e.fault()).isEqualTo(Fault.NO_DOMAIN));
    }
  }

  @Test
  void aBadDefinitionIsInvalidArgAndNothingIsWritten() throws IOException {
    try (SimHypervisor sim = open()) {
      String web = id();
      var def = new DomainDefinition("web1", 0, 1024, List.of(), "alice");
      assertThatThrownBy(() -> sim.define(web, def))
          .isInstanceOfSatisfying(HypervisorException.class, e -> {
            assertThat(e.fault()).isEqualTo(Fault.INVALID_ARG);
            assertThat(e.getMessage()).contains("vcpus=0");
          });
      assertThatThrownBy(() -> sim.define("../../etc", web("x")))
          .isInstanceOfSatisfying(HypervisorException.class, e -> assertThat(e.fault()).isEqualTo(Fault.INVALID_ARG));
      assertThat(sim.list()).isEmpty();
    }
  }

  @Test
  void aDiskPathOutsideThePoolIsRefused() throws IOException {
    try (SimHypervisor sim = open()) {
      var def = new DomainDefinition("web1", 1, 512, List.of(new Disk("vda", 1, "qcow2", "/etc/shadow")), "alice");
      assertThatThrownBy(() -> sim.define(id(), def))
          .isInstanceOfSatisfying(HypervisorException.class, e -> {
            assertThat(e.fault()).isEqualTo(Fault.INVALID_ARG);
            assertThat(e.getMessage()).contains("'/etc/shadow' is not for the client to choose");
          });
    }
  }

  @Test
  void anInjectedFailureFailsTheNextMatchingCallOnlyAndChangesNothing() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      sim.define(web, web("web1"));
      sim.failNext(Operation.START, "qemu: could not open disk");

      assertThatThrownBy(() -> Calls.start(sim, web, false))
          .isInstanceOfSatisfying(HypervisorException.class, e -> {
            assertThat(e.fault()).isEqualTo(Fault.DRIVER_ERROR);
            assertThat(e.refused()).isFalse();
            assertThat(e.getMessage()).isEqualTo("qemu: could not open disk");
          });
      assertThat(sim.lookup(web).orElseThrow().state()).isEqualTo(State.SHUTOFF);
      assertThat(Calls.start(sim, web, false).domain().state()).isEqualTo(State.RUNNING);
      assertThat(sim.calls(Operation.START)).isEqualTo(2);
    }
  }

  @Test
  void aGuestCanChangeItsStateOnItsOwn() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      sim.define(web, web("web1"));
      Calls.start(sim, web, false);
      Domain crashed = sim.guestChangedState(web, State.CRASHED, Reason.PANICKED);
      assertThat(crashed.version()).isEqualTo(3);
      assertThat(Calls.start(sim, web, false).domain().state()).isEqualTo(State.RUNNING);
    }
  }

  @Test
  void aDamagedDomainFileStopsTheOpenNamingTheFile() throws IOException {
    Path dir = dataDir.resolve("sim").resolve("domains");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("x.json"), "{not json");
    assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("x.json");
  }

  @Test
  void aFaultRateFailsThatShareOfLifecycleCallsWithDriverErrorChangingNothing() throws IOException {
    String web = id();
    try (SimHypervisor sim = open()) {
      sim.define(web, web("web1"));
      sim.setFaultRate(1.0);
      assertThatThrownBy(() -> Calls.start(sim, web, false)).isInstanceOfSatisfying(HypervisorException.class, e -> {
        assertThat(e.fault()).isEqualTo(io.virtflow.agent.domain.Fault.DRIVER_ERROR);
        assertThat(e.getMessage()).isEqualTo("sim driver: injected fault on start (fault rate 1.0)");
      });
      assertThat(sim.lookup(web).orElseThrow().version()).isEqualTo(1);
      sim.setFaultRate(0.0);
      assertThat(Calls.start(sim, web, false).domain().version()).isEqualTo(2);
      assertThatThrownBy(() -> sim.setFaultRate(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
