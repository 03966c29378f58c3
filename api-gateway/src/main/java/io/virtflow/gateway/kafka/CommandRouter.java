package io.virtflow.gateway.kafka;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.virtflow.gateway.auth.TokenVerifier;
import io.virtflow.gateway.command.Accepted;
import io.virtflow.gateway.command.AuditLog;
import io.virtflow.gateway.command.BusUnavailable;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.domain.AuditEntry;
import io.virtflow.gateway.domain.DomainRef;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.platform.health.Health;
import io.virtflow.platform.kafka.DeadLetters;
import io.virtflow.platform.kafka.OrderedCommitConsumer;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandRequest;

/**
 * The Kafka door (DESIGN §3, §5): reads {@code CommandRequest}s from {@code virtflow.commands} and hands
 * each to the same {@link CommandService#submit} the HTTP routes use, under the request's own
 * {@code commandId}. A record is done (its offset may be committed) once its command was forwarded and
 * ACCEPTED written, or its REJECTED status was written, or it was a duplicate of a known command id;
 * when Kafka could not take either, the record is not done and {@link OrderedCommitConsumer} hands it
 * over again. Records that are not a {@code CommandRequest}, or whose {@code commandId} is not a UUID
 * (no status could be found under it), go to the dead-letter topic.
 *
 * <p>Records with the same key are decided one after the other, in partition order: a define keyed by
 * its name and a start published right after it with the same key find the define pending, as an HTTP
 * client that waited for the 202 does. Records with other keys are decided concurrently.
 *
 * <p>Memory is bounded: at most {@code maxInFlight} records are read and not done. The platform consumer
 * pauses once its in-flight count reaches its own bound, but one poll may return up to
 * {@code max.poll.records} more; so the consumer is given {@code maxInFlight - pollRecords + 1} and polls
 * at most {@link #pollRecords(int)} records at a time.
 */
public final class CommandRouter {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRouter.class);

  private final OrderedCommitConsumer<CommandRequest> consumer;
  private final CommandService service;
  private final int maxInFlight;
  private final AtomicInteger peakInFlight = new AtomicInteger();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  /** The last record being decided per key: the next one with that key waits for it. Context-only. */
  private final Map<String, Future<Void>> tails = new HashMap<>();
  private final TokenVerifier verifier;
  private final AuditLog audit;
  private final Clock clock;

  /**
   * @param consumer a group consumer ({@code KafkaSettings.groupConsumer}) with {@code max.poll.records}
   *     at most {@link #pollRecords(int)}
   */
  public CommandRouter(String topic, Consumer<String, byte[]> consumer, Context context, CommandService service,
      DeadLetters deadLetters, int maxInFlight, TokenVerifier verifier, AuditLog audit, Clock clock) {
    this.verifier = verifier;
    this.audit = audit;
    this.clock = clock;
    this.service = service;
    this.maxInFlight = maxInFlight;
    this.consumer = new OrderedCommitConsumer<>("gateway-router", consumer, List.of(topic), context,
        CommandRouter::decode, this::handle, deadLetters, maxInFlight - pollRecords(maxInFlight) + 1);
  }

  /** How many records one poll may return so that a full poll never takes the router past {@code maxInFlight}. */
  public static int pollRecords(int maxInFlight) {
    return Math.max(1, Math.min(500, maxInFlight / 2));
  }

  /** Starts reading; completes once the group assigned this router its partitions. */
  public Future<Void> start() {
    return consumer.start();
  }

  /** Stops reading; what is done is committed, the rest is read again by the next owner. */
  public Future<Void> stop() {
    return consumer.stop();
  }

  /** Records read and not done yet. */
  public int inFlight() {
    return consumer.inFlight();
  }

  /** The most records ever seen read and not done at once (sampled as each record is handled). */
  public int peakInFlight() {
    return peakInFlight.get();
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  public Health.Check check() {
    if (!consumer.isRunning()) {
      return Health.Check.down(consumer.failure() == null ? "stopped" : "stopped: " + consumer.failure());
    }
    return Health.Check.up(inFlight() + " in flight (max " + maxInFlight + "), " + accepted.get() + " accepted, "
        + rejected.get() + " rejected, " + replayed.get() + " duplicates");
  }

  static CommandRequest decode(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("a record without a value is not a CommandRequest");
    }
    CommandRequest r = Codecs.COMMAND_REQUEST.decode(bytes);
    if (!DomainRef.isUuid(r.getCommandId())) {
      // Every outcome is published under the command id: without a usable one, nobody could find it.
      throw new IllegalArgumentException("commandId '" + r.getCommandId() + "' is not a UUID");
    }
    r.setCommandId(DomainRef.canonicalId(r.getCommandId()));
    return r;
  }

  private void audit(ConsumerRecord<String, byte[]> record, CommandRequest request, Principal who, String outcome,
      String code, String message) {
    String target = request.getDomain();
    if (target == null && request.getPayload() instanceof io.virtflow.schema.Define d) {
      target = d.getName();
    }
    audit.record(new AuditEntry(clock.instant(), who == null ? Principal.ANONYMOUS : who.name(),
        who == null ? null : who.projectsText(), who == null ? null : who.role().claim(), AuditEntry.KAFKA,
        AuditEntry.action(AvroMapping.operationName(request)), target, outcome, null, code, message,
        request.getCommandId(), record.topic() + "-" + record.partition() + "@" + record.offset()));
  }

  /** Records handled so far: accepted, rejected or found to be duplicates. */
  public long handled() {
    return accepted.get() + rejected.get() + replayed.get();
  }

  private Future<Void> handle(ConsumerRecord<String, byte[]> record, CommandRequest request) {
    peakInFlight.accumulateAndGet(consumer.inFlight(), Math::max);
    String key = record.key();
    if (key == null) {
      return decide(record, request);
    }
    Future<Void> before = tails.get(key);
    // A failed predecessor (Kafka did not take it) is retried later; the next one need not wait for that.
    Future<Void> mine = before == null ? decide(record, request) : before.transform(x -> decide(record, request));
    if (!mine.isComplete()) {
      tails.put(key, mine);
      mine.onComplete(x -> tails.remove(key, mine));
    }
    return mine;
  }

  /**
   * The request's token is checked exactly as HTTP's {@code Authorization} header; the principal is the
   * token's subject, whatever {@code CommandRequest.principal} says. Without a valid token: REJECTED
   * {@code AUTH_FAILED}, recorded under the request's command id as any refusal.
   */
  private Future<Void> decide(ConsumerRecord<String, byte[]> record, CommandRequest request) {
    return verifier.verify(request.getToken()).transform(auth -> {
      Future<Accepted> outcome;
      Principal who = auth.succeeded() ? auth.result() : null;
      if (who == null) {
        Refusal r = auth.cause() instanceof Refusal x ? x : Refusal.unauthenticated("the token is invalid");
        outcome = service.refuse(request.getCommandId(), Principal.ANONYMOUS, null,
            AvroMapping.operationName(request), r);
      } else {
        try {
          outcome = service.submit(AvroMapping.toSubmission(request, who));
        } catch (Refusal r) {
          outcome = service.refuse(request.getCommandId(), who.name(),
              who.projects().size() == 1 ? who.projects().iterator().next() : null, AvroMapping.operationName(request), r);
        }
      }
      return settle(record, request, who, outcome);
    });
  }

  private Future<Void> settle(ConsumerRecord<String, byte[]> record, CommandRequest request, Principal who,
      Future<Accepted> outcome) {
    return outcome.transform(ar -> {
      if (ar.succeeded()) {
        (ar.result().replayed() ? replayed : accepted).incrementAndGet();
        audit(record, request, who, ar.result().replayed() ? "REPLAYED" : "ACCEPTED", null, null);
        return Future.succeededFuture();
      }
      if (ar.cause() instanceof Refusal r) {
        rejected.incrementAndGet();
        String outcomeName = switch (r.kind()) {
          case UNAUTHENTICATED -> "UNAUTHENTICATED";
          case FORBIDDEN -> "FORBIDDEN";
          case NOT_FOUND -> "NOT_FOUND";
          default -> "REJECTED";
        };
        audit(record, request, who, outcomeName, r.code().name(), r.getMessage());
        return Future.succeededFuture();
      }
      if (!(ar.cause() instanceof BusUnavailable)) {
        LOG.error("command {} from {}-{}@{} failed unexpectedly; it will be tried again", request.getCommandId(),
            record.topic(), record.partition(), record.offset(), ar.cause());
      }
      return Future.failedFuture(ar.cause());
    });
  }
}
