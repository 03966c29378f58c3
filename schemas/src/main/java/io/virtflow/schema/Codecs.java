package io.virtflow.schema;

/** One codec per message type of the contract; shared, thread-safe. */
public final class Codecs {
  public static final AvroCodec<Command> COMMAND = AvroCodec.of(Command.class);
  public static final AvroCodec<CommandStatus> COMMAND_STATUS = AvroCodec.of(CommandStatus.class);
  public static final AvroCodec<DomainEvent> DOMAIN_EVENT = AvroCodec.of(DomainEvent.class);
  public static final AvroCodec<DomainState> DOMAIN_STATE = AvroCodec.of(DomainState.class);
  public static final AvroCodec<HostStatus> HOST_STATUS = AvroCodec.of(HostStatus.class);
  public static final AvroCodec<SnapshotRequest> SNAPSHOT_REQUEST = AvroCodec.of(SnapshotRequest.class);
  public static final AvroCodec<SnapshotEvent> SNAPSHOT_EVENT = AvroCodec.of(SnapshotEvent.class);
  public static final AvroCodec<CommandRequest> COMMAND_REQUEST = AvroCodec.of(CommandRequest.class);
  public static final AvroCodec<AuditRecord> AUDIT_RECORD = AvroCodec.of(AuditRecord.class);

  private Codecs() {
  }
}
