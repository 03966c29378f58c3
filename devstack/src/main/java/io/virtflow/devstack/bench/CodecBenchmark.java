package io.virtflow.devstack.bench;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.DomainEvent;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.Start;
import io.virtflow.schema.StateReason;

/**
 * JMH: one record through {@link Codecs#COMMAND} and {@link Codecs#DOMAIN_EVENT}, encode and decode, in
 * nanoseconds per record. The records are what the command path carries: a Start command and its
 * STARTED/BOOTED event. Run by {@code virtflow bench codec} ({@link CodecBench}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
  private Command command;
  private DomainEvent event;
  private byte[] commandBytes;
  private byte[] eventBytes;

  @Setup
  public void setUp() {
    AvroCodec.trustContract();
    Instant now = Instant.parse("2026-11-25T12:00:00.123Z");
    command = Command.newBuilder().setCommandId("c7d3b2a8-5a3e-4b86-9f5e-1d2c3b4a5f60")
        .setDomainId("a1b2c3d4-0000-4000-8000-000000000001").setHostId("host-1").setIssuedAt(now)
        .setDeadline(now.plusSeconds(300)).setPrincipal("alice").setIdempotencyKey(null).setRequestHash(null)
        .setPayload(new Start(false)).build();
    event = DomainEvent.newBuilder().setEventId("0b0f6a3e-7d7e-4e55-9c1b-2f0d5e6a7b80")
        .setDomainId("a1b2c3d4-0000-4000-8000-000000000001").setDomainName("web1").setHostId("host-1")
        .setType(EventType.STARTED).setDetail(EventDetail.BOOTED).setState(DomainStateCode.RUNNING)
        .setReason(StateReason.BOOTED).setAt(now).setCommandId("c7d3b2a8-5a3e-4b86-9f5e-1d2c3b4a5f60").build();
    commandBytes = Codecs.COMMAND.encode(command);
    eventBytes = Codecs.DOMAIN_EVENT.encode(event);
  }

  @Benchmark
  public byte[] encodeCommand() {
    return Codecs.COMMAND.encode(command);
  }

  @Benchmark
  public Command decodeCommand() {
    return Codecs.COMMAND.decode(commandBytes);
  }

  @Benchmark
  public byte[] encodeDomainEvent() {
    return Codecs.DOMAIN_EVENT.encode(event);
  }

  @Benchmark
  public DomainEvent decodeDomainEvent() {
    return Codecs.DOMAIN_EVENT.decode(eventBytes);
  }
}
