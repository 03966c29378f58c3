package io.virtflow.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DiskSpec;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.ErrorCode;

class AvroMappingTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  void thePureEnumsMirrorTheContract() {
    assertThat(Arrays.stream(FailureCode.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
    assertThat(Arrays.stream(Phase.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(CommandStatusCode.values()).map(Enum::name).toList());
  }

  @Test
  void everyOperationBecomesItsPayloadRecordAndTheNamesMatch() {
    List<Operation> ops = List.of(new Operation.Define(new DefineSpec("web", null, 2, 1024, List.of(new DiskSpec("vda", 10)))),
        new Operation.Undefine(true, false, true), new Operation.Start(true), new Operation.Cancel("x"),
        new Operation.Lifecycle(Operation.Lifecycle.Kind.SHUTDOWN), new Operation.Lifecycle(Operation.Lifecycle.Kind.REBOOT),
        new Operation.Lifecycle(Operation.Lifecycle.Kind.DESTROY), new Operation.Lifecycle(Operation.Lifecycle.Kind.SUSPEND),
        new Operation.Lifecycle(Operation.Lifecycle.Kind.RESUME));
    for (Operation op : ops) {
      CommandDraft d = new CommandDraft("c", "d", "h", T0, T0.plusSeconds(60), "anonymous", "k", "hash", op);
      Command back = Codecs.COMMAND.decode(Codecs.COMMAND.encode(AvroMapping.toCommand(d)));
      assertThat(back.getPayload().getClass().getSimpleName()).isEqualTo(op.name());
      assertThat(back.getDeadline()).isEqualTo(T0.plusSeconds(60));
      assertThat(back.getIdempotencyKey()).isEqualTo("k");
    }
    Command define = AvroMapping.toCommand(new CommandDraft("c", "d", "h", T0, T0, "p", null, "hash", ops.get(0)));
    Define payload = (Define) define.getPayload();
    assertThat(payload.getDisks()).singleElement().satisfies(disk -> {
      assertThat(disk.getTarget()).isEqualTo("vda");
      assertThat(disk.getFormat()).isEqualTo("qcow2");
      assertThat(disk.getPath()).isNull();
    });
  }

  @Test
  void aStatusSurvivesTheRoundTrip() {
    StatusUpdate u = new StatusUpdate("c", "d", "h", "Start", Phase.REJECTED, "OPERATION_INVALID", "already running",
        "RUNNING", T0, "anonymous", "k", "hash");
    StatusUpdate back = AvroMapping.fromStatus(Codecs.COMMAND_STATUS.decode(Codecs.COMMAND_STATUS.encode(
        AvroMapping.toStatus(u))));
    assertThat(back).isEqualTo(u);
  }
}
