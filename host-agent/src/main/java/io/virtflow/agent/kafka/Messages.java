package io.virtflow.agent.kafka;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.virtflow.agent.domain.AgentCommand;
import io.virtflow.agent.domain.Boot;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.RecordedEvent;
import io.virtflow.schema.BeginJob;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.DiskStepKind;
import io.virtflow.schema.EndJob;
import io.virtflow.schema.InspectDisks;
import io.virtflow.schema.ReadConsole;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.Resume;
import io.virtflow.schema.RunStep;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.Start;
import io.virtflow.schema.StateReason;
import io.virtflow.schema.Suspend;
import io.virtflow.schema.Undefine;

/**
 * The edge between the Avro contract and the agent's own types, both ways: the only place that reads a
 * {@link Command} ({@link #commandOf}); behind it the agent works on {@link AgentCommand}. Enums map by name:
 * the domain's enums use the contract's symbols (a test checks that every one of them exists there).
 */
public final class Messages {
  private Messages() {
  }

  /** The command in the agent's terms; a payload or step kind this agent does not know is {@code Unsupported}. */
  public static AgentCommand commandOf(Command command) {
    AgentCommand.Envelope envelope = envelopeOf(command);
    Object payload = command.getPayload();
    if (payload instanceof Define define) {
      return new AgentCommand.Define(envelope, definitionOf(define, command.getPrincipal(), command.getProject()));
    }
    if (payload instanceof RunStep run) {
      Optional<DiskStep> step = stepOf(run);
      Object kind = run.getStep() == null ? null : run.getStep().getKind();
      return step.<AgentCommand>map(s -> new AgentCommand.Step(envelope, s))
          .orElseGet(() -> new AgentCommand.Unsupported(envelope, "step kind " + kind));
    }
    if (payload instanceof BeginJob begin) {
      return new AgentCommand.BeginJob(envelope, begin.getDescription(), begin.getExpiresAt());
    }
    if (payload instanceof EndJob) {
      return new AgentCommand.EndJob(envelope);
    }
    if (payload instanceof InspectDisks) {
      return new AgentCommand.InspectDisks(envelope);
    }
    if (payload instanceof ReadConsole read) {
      return new AgentCommand.ReadConsole(envelope, read.getTailLines());
    }
    if (payload instanceof Cancel cancel) {
      return new AgentCommand.Cancel(envelope, cancel.getTargetCommandId());
    }
    Optional<Request> request = requestOf(payload);
    return request.<AgentCommand>map(r -> new AgentCommand.Lifecycle(envelope, r))
        .orElseGet(() -> new AgentCommand.Unsupported(envelope, "operation " + envelope.operation()));
  }

  /** The lifecycle request a payload asks for; empty for Cancel and for payloads this agent does not know. */
  static Optional<Request> requestOf(Object payload) {
    if (payload instanceof Define) {
      return Optional.of(Request.of(Operation.DEFINE));
    } else if (payload instanceof Undefine u) {
      return Optional.of(Request.undefine(u.getForce(), u.getRemoveStorage()));
    } else if (payload instanceof Start s) {
      return Optional.of(s.getPaused() ? Request.startPaused() : Request.of(Operation.START));
    } else if (payload instanceof Shutdown) {
      return Optional.of(Request.of(Operation.SHUTDOWN));
    } else if (payload instanceof Reboot) {
      return Optional.of(Request.of(Operation.REBOOT));
    } else if (payload instanceof Destroy) {
      return Optional.of(Request.of(Operation.DESTROY));
    } else if (payload instanceof Suspend) {
      return Optional.of(Request.of(Operation.SUSPEND));
    } else if (payload instanceof Resume) {
      return Optional.of(Request.of(Operation.RESUME));
    }
    return Optional.empty();
  }

  /** The step a RunStep carries; empty for a kind this agent does not know ({@code UNKNOWN}). */
  static Optional<DiskStep> stepOf(RunStep run) {
    io.virtflow.schema.DiskStep s = run.getStep();
    if (s == null || s.getKind() == null || s.getKind() == DiskStepKind.UNKNOWN) {
      return Optional.empty();
    }
    return Optional.of(new DiskStep(DiskStep.Kind.valueOf(s.getKind().name()), s.getTarget(), s.getFile(),
        s.getSource(), s.getBacking(), s.getTag(), s.getPaused()));
  }

  /** The fields every command has; the operation is the payload's record name, as every status repeats it. */
  static AgentCommand.Envelope envelopeOf(Command command) {
    Object payload = command.getPayload();
    String operation = payload == null ? "Unknown" : payload.getClass().getSimpleName();
    return new AgentCommand.Envelope(command.getCommandId(), command.getDomainId(), command.getHostId(), operation,
        command.getPrincipal(), command.getIdempotencyKey(), command.getRequestHash(), command.getJobId(),
        command.getProject(), command.getDeadline());
  }

  static DomainDefinition definitionOf(Define define, String principal, String project) {
    List<Disk> disks = define.getDisks().stream()
        .map(d -> new Disk(d.getTarget(), d.getSizeGiB(), d.getFormat(), d.getPath(), d.getImage()))
        .toList();
    io.virtflow.schema.Boot b = define.getBoot();
    Boot boot = b == null ? null : new Boot(b.getKernel(), b.getInitrd(), b.getCmdline());
    List<NetInterface> nics = define.getInterfaces().stream()
        .map(n -> new NetInterface(n.getNetwork(), n.getMac())).toList();
    return new DomainDefinition(define.getName(), define.getVcpus(), define.getMemoryMiB(), disks,
        define.getGuestAgent(), principal, project, boot, nics);
  }

  static CommandStatus running(CommandRef ref, Instant at) {
    return status(ref, CommandStatusCode.RUNNING, null, null, null, at, null);
  }

  static CommandStatus statusOf(Outcome o) {
    return status(o.command(), CommandStatusCode.valueOf(o.status().name()),
        o.fault() == null ? null : errorCodeOf(o.fault()), o.message(), o.state(), o.at(), o.result());
  }

  private static CommandStatus status(CommandRef ref, CommandStatusCode code, ErrorCode error, String message,
      State state, Instant at, String result) {
    return CommandStatus.newBuilder()
        .setCommandId(ref.commandId())
        .setDomainId(ref.domainId())
        .setHostId(ref.hostId())
        .setOperation(ref.operation())
        .setStatus(code)
        .setCode(error)
        .setMessage(message)
        .setDomainState(state == null ? null : stateCodeOf(state))
        .setAt(at)
        .setPrincipal(ref.principal())
        .setIdempotencyKey(ref.idempotencyKey())
        .setRequestHash(ref.requestHash())
        .setJobId(ref.jobId())
        .setResult(result)
        .setProject(ref.project())
        .build();
  }

  static DomainEvent eventOf(Outcome o, RecordedEvent e, String hostId) {
    return DomainEvent.newBuilder()
        .setEventId(e.eventId().toString())
        .setDomainId(o.command().domainId())
        .setDomainName(o.domainName())
        .setHostId(hostId)
        .setType(EventType.valueOf(e.event().type().name()))
        .setDetail(EventDetail.valueOf(e.event().detail().name()))
        .setState(stateCodeOf(e.event().state()))
        .setReason(reasonOf(e.event().reason()))
        .setAt(e.at())
        .setCommandId(o.commandId())
        .build();
  }

  /** An event no command caused: a change the driver observed. */
  static DomainEvent observedEventOf(String domainId, String domainName, RecordedEvent e, String hostId) {
    return DomainEvent.newBuilder()
        .setEventId(e.eventId().toString())
        .setDomainId(domainId)
        .setDomainName(domainName)
        .setHostId(hostId)
        .setType(EventType.valueOf(e.event().type().name()))
        .setDetail(EventDetail.valueOf(e.event().detail().name()))
        .setState(stateCodeOf(e.event().state()))
        .setReason(reasonOf(e.event().reason()))
        .setAt(e.at())
        .setCommandId(null)
        .build();
  }

  static DomainState stateOf(Domain d, String hostId, boolean filesHeld) {
    List<io.virtflow.schema.Disk> disks = d.disks().stream()
        .map(x -> io.virtflow.schema.Disk.newBuilder().setTarget(x.target()).setSizeGiB(x.sizeGiB())
            .setFormat(x.format()).setPath(x.path()).setImage(x.image()).build())
        .toList();
    Boot b = d.boot();
    List<io.virtflow.schema.NetInterface> nics = d.interfaces().stream()
        .map(n -> io.virtflow.schema.NetInterface.newBuilder().setNetwork(n.network()).setMac(n.mac()).build())
        .toList();
    return DomainState.newBuilder()
        .setDomainId(d.id())
        .setName(d.name())
        .setHostId(hostId)
        .setState(stateCodeOf(d.state()))
        .setReason(reasonOf(d.reason()))
        .setVcpus(d.vcpus())
        .setMemoryMiB(d.memoryMiB())
        .setDisks(disks)
        .setVersion(d.version())
        .setSnapshotCount(0)
        .setPrincipal(d.principal())
        .setProject(d.project())
        .setUpdatedAt(d.updatedAt())
        .setBoot(b == null ? null : io.virtflow.schema.Boot.newBuilder().setKernel(b.kernel()).setInitrd(b.initrd())
            .setCmdline(b.cmdline()).build())
        .setInterfaces(nics)
        .setGuestAgent(d.guestAgent())
        .setGuestAgentConnected(d.agentConnected())
        .setFilesHeld(filesHeld)
        .build();
  }

  static DomainStateCode stateCodeOf(State s) {
    return DomainStateCode.valueOf(s.name());
  }

  static StateReason reasonOf(Reason r) {
    return StateReason.valueOf(r.name());
  }

  static ErrorCode errorCodeOf(Fault f) {
    return ErrorCode.valueOf(f.name());
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * A disk report as {@code InspectDisks} answers it in the status's result: {@code {"disks": {"<target>":
   * {"active", "chain": <qemu-img's array>, "error"?}}, "poolFiles": [...], "tags": {"<path>": [...]},
   * "unreadable"?: {"<path>": "<why>"}}}.
   */
  public static String jsonOf(io.virtflow.agent.domain.DiskReport report) {
    var root = JSON.createObjectNode();
    var disks = root.putObject("disks");
    report.disks().forEach((target, chain) -> {
      var entry = disks.putObject(target);
      entry.put("active", chain.active());
      try {
        entry.set("chain", JSON.readTree(chain.chainJson()));
      } catch (java.io.IOException e) {
        entry.putArray("chain");
      }
      if (chain.error() != null) {
        entry.put("error", chain.error());
      }
    });
    var files = root.putArray("poolFiles");
    report.poolFiles().forEach(files::add);
    var tags = root.putObject("tags");
    report.tags().forEach((file, names) -> {
      var list = tags.putArray(file);
      names.forEach(list::add);
    });
    if (!report.unreadable().isEmpty()) {
      var unreadable = root.putObject("unreadable");
      report.unreadable().forEach(unreadable::put);
    }
    return root.toString();
  }
}
