package io.virtflow.agent.driver;

import java.util.List;
import java.util.Optional;

import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Request;

/**
 * The hypervisor SPI: libvirt's domain calls ({@code virDomainDefineXML}, {@code virDomainCreate}, ...).
 * One driver per host: {@code sim} now, {@code libvirt} later.
 *
 * <p>Calls block (a real hypervisor takes its time): run them on a worker pool, never on an event loop.
 * Every mutating call either returns the {@link Change} it made or throws {@link HypervisorException}
 * having changed nothing. Calls for different domains may run concurrently; the caller runs at most one
 * call per domain at a time. Every change of a domain increments its {@link Domain#version()}.
 */
public interface Hypervisor extends AutoCloseable {

  /** The driver's name, as the heartbeat reports it. */
  String driverName();

  /** {@code virDomainDefineXML}: a new domain, shut off, version 1. Names are unique per host. */
  Change define(String domainId, DomainDefinition definition);

  /**
   * {@code virDomainUndefineFlags}; {@code force} destroys an active domain first; {@code removeStorage}
   * also deletes every image file of the domain (its base images, overlays and copies), as
   * {@code virsh undefine --remove-all-storage}.
   */
  Change undefine(String domainId, boolean force, boolean removeStorage);

  default Change undefine(String domainId, boolean force) {
    return undefine(domainId, force, false);
  }

  /** {@code virDomainCreateWithFlags}, optionally {@code VIR_DOMAIN_START_PAUSED}. */
  Change start(String domainId, boolean paused);

  /** {@code virDomainShutdown}: the guest powers off. */
  Change shutdown(String domainId);

  /** {@code virDomainReboot}. */
  Change reboot(String domainId);

  /** {@code virDomainDestroy}: power cut. */
  Change destroy(String domainId);

  /** {@code virDomainSuspend}. */
  Change suspend(String domainId);

  /** {@code virDomainResume}. */
  Change resume(String domainId);

  /** {@code virDomainLookupByUUID} with its state ({@code virDomainGetState}). */
  Optional<Domain> lookup(String domainId);

  /** {@code virDomainLookupByName}. */
  Optional<Domain> lookupByName(String name);

  /** {@code virConnectListAllDomains}: every defined domain. */
  List<Domain> list();

  /**
   * Runs one step of a snapshot workflow on the domain's image files or power state. Idempotent: a step
   * already done is answered as done, without acting again. Every file it names must be the domain's, in
   * the host's storage pool.
   */
  StepResult runStep(String domainId, DiskStep step);

  /**
   * The domain's disks as they really are, as JSON: {@code {"disks": {"<target>": {"active": "<path>",
   * "chain": <qemu-img info --backing-chain --output=json>}}, "poolFiles": [...], "tags": {"<path>": [...]}}}.
   */
  String inspectDisks(String domainId);

  /** Dispatches a lifecycle request other than define to its call. */
  default Change apply(String domainId, Request request) {
    return switch (request.operation()) {
      case UNDEFINE -> undefine(domainId, request.force(), request.removeStorage());
      case START -> start(domainId, request.paused());
      case SHUTDOWN -> shutdown(domainId);
      case REBOOT -> reboot(domainId);
      case DESTROY -> destroy(domainId);
      case SUSPEND -> suspend(domainId);
      case RESUME -> resume(domainId);
      case DEFINE -> throw new IllegalArgumentException("define takes a definition: call define()");
    };
  }

  @Override
  void close();
}
