package io.virtflow.agent.driver;

import java.util.List;
import java.util.Optional;

import io.virtflow.agent.domain.DiskReport;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.Transition;

/**
 * The hypervisor SPI: libvirt's domain calls ({@code virDomainDefineXML}, {@code virDomainCreate}, ...).
 * One driver per host, chosen by configuration ({@link Drivers}): {@code sim} or {@code libvirt}. The agent
 * decides what is legal; a driver executes, and observes (its change feed, {@link #watch}).
 *
 * <p>Calls block (a real hypervisor takes its time): run them on a worker pool, never on an event loop.
 * Every mutating call either returns the {@link Change} it made or throws {@link HypervisorException}
 * having changed nothing. Calls for different domains may run concurrently; the caller runs at most one
 * call per domain at a time. Every change of a domain, asked for or not, increments its
 * {@link Domain#version()}.
 */
public interface Hypervisor extends AutoCloseable {

  /** The driver's name, as the heartbeat reports it. */
  String driverName();

  /**
   * Whether the files of an active domain's disks are held by a real hypervisor (QEMU locks its chain):
   * then no {@code qemu-img} may change them, and a snapshot merge must be a live block job. The sim's are not.
   */
  default boolean holdsFilesWhileActive() {
    return false;
  }

  /** {@code virDomainDefineXML}: a new domain, shut off, version 1. Names are unique per host. */
  Change define(String domainId, DomainDefinition definition);

  /**
   * Carries out a lifecycle move that the agent decided ({@link io.virtflow.agent.domain.Lifecycle}'s table
   * answered {@code decided} for {@code request} on {@code before}, the domain as the agent last looked it
   * up). The driver does not judge legality again; it executes, observes the result and reports it. If the
   * domain is no longer as {@code before} (a change nobody asked for came in between), the hypervisor's own
   * refusal is the answer ({@link Fault#OPERATION_INVALID}). {@code undefine} with {@code removeStorage} also
   * deletes every image file of the domain, as {@code virsh undefine --remove-all-storage}.
   *
   * <p>Operations a real hypervisor only starts end when the result is observed: {@code shutdown} when the
   * domain is seen shut off, or {@link Fault#TIMEOUT} (FAILED, the guest still running) after the driver's
   * shutdown timeout, or at once when {@link #cutShort} is called; {@code reboot} when the reboot is seen.
   */
  Change carryOut(Domain before, Request request, Transition.Accepted decided);

  /**
   * Ends a {@code shutdown} of {@code domainId} that is waiting for its guest, now, failing it with
   * {@code why} (a destroy of the domain came). Callable from any thread; nothing if none waits.
   */
  void cutShort(String domainId, String why);

  /**
   * From now on, every change the driver observes goes to {@code observer}, from a thread of the driver's
   * (never an event loop): changes commands made as well as changes nobody asked for. One observer.
   */
  void watch(Observer observer);

  /**
   * The last {@code tailLines} lines of the domain's serial console log, as the guest wrote them: what an
   * operator reads to see why a guest did not boot. Empty when the guest wrote nothing yet.
   */
  String console(String domainId, int tailLines);

  /** What the driver knows about its hypervisor now: connected or not, and facts for {@code /v1/hosts}. */
  DriverStatus status();

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
   * The domain's disks as they really are: each disk's active file and backing chain, the domain's files in
   * the pool, their internal snapshots ({@link DiskReport}; the status carries it as JSON, {@code
   * kafka/Messages.jsonOf}).
   */
  DiskReport inspectDisks(String domainId);

  @Override
  void close();
}
