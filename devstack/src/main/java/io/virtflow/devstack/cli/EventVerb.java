package io.virtflow.devstack.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code event}: follows {@code GET /v1/events} (Server-Sent Events) and prints each lifecycle event as
 * {@code virsh event} does. Without {@code --loop} it ends after the first event, as virsh does. A
 * connection that drops (or goes silent for three keep-alive periods, or ends with an {@code overflow}
 * event) is opened again with {@code Last-Event-ID} set to the last event seen, so nothing is lost and
 * nothing is printed twice.
 */
@Command(name = "event", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Wait for domain events and print them (virsh event). Ends after the first event unless --loop.",
        "A dropped connection is resumed after the last event printed (Last-Event-ID)."})
public final class EventVerb extends Verb {
  /** The gateway's keep-alive comes every 15 s (VIRTFLOW_EVENT_HEARTBEAT_MS): silence for longer means a dead link. */
  private static final long IDLE_MS = 45_000;
  /** How long a lost stream is retried before the verb gives up (UNAVAILABLE). */
  private static final long RECONNECT_FOR_MS = 60_000;
  private static final long MAX_BACKOFF_MS = 5_000;

  @Option(names = "--domain", paramLabel = "D", description = "Only this domain's events (name or id).")
  String domain;

  @Option(names = "--host", paramLabel = "H", description = "Only events of domains on host H.")
  String host;

  @Option(names = "--type", paramLabel = "T", split = ",",
      description = "Only these event types, repeatable or comma-separated: DEFINED, UNDEFINED, STARTED, SUSPENDED, "
          + "RESUMED, STOPPED, SHUTDOWN, PMSUSPENDED, CRASHED, REBOOTED.")
  List<String> types = new ArrayList<>();

  @Option(names = "--loop", description = "Go on after the first event (until Ctrl-C, --count or --timeout).")
  boolean loop;

  @Option(names = "--timestamp", description = "Start each line with the event's time.")
  boolean timestamp;

  @Option(names = "--since", paramLabel = "POSITION",
      description = "Start right after this position (an event's SSE id, as --json prints it) instead of now.")
  String since;

  @Option(names = "--count", paramLabel = "N", description = "End after N events.")
  Integer count;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "End after this many seconds.")
  Integer timeout;

  /** One SSE frame: its id, its event name (null for a plain message), its data. */
  private record Frame(String id, String event, String data) {
  }

  /** The end of one connection's stream, and why. */
  private record End(Throwable cause) {
  }

  @Override
  protected int run() {
    if (count != null && count < 1) {
      throw CliFailure.badInput("--count must be at least 1");
    }
    if (timeout != null && timeout < 1) {
      throw CliFailure.badInput("--timeout must be at least 1 second");
    }
    long limit = count != null ? count : loop ? Long.MAX_VALUE : 1;
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
    String position = since;
    long received = 0;
    boolean connectedOnce = false;
    long lostAt = 0;
    long backoff = 250;
    while (received < limit && System.nanoTime() < deadline) {
      Stream stream;
      try {
        stream = open(position, connectedOnce);
      } catch (IOException e) {
        if (!connectedOnce) {
          throw gateway().unavailable(e);
        }
        stream = null;
      }
      if (stream != null) {
        connectedOnce = true;
        lostAt = 0;
        backoff = 250;
        try {
          while (received < limit && System.nanoTime() < deadline) {
            Object item = stream.queue.poll(200, TimeUnit.MILLISECONDS);
            if (item == null) {
              if (System.nanoTime() - stream.lastActivity > TimeUnit.MILLISECONDS.toNanos(IDLE_MS)) {
                break;
              }
              continue;
            }
            if (item instanceof End) {
              break;
            }
            Frame frame = (Frame) item;
            if ("overflow".equals(frame.event())) {
              // Too slow for the gateway: its id is where to resume.
              position = frame.id() == null ? position : frame.id();
              break;
            }
            if (frame.data() == null || frame.event() != null) {
              continue;
            }
            show(frame);
            received++;
            if (frame.id() != null) {
              position = frame.id();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stream.close();
          break;
        }
        stream.close();
      }
      if (received >= limit || System.nanoTime() >= deadline) {
        break;
      }
      long now = System.nanoTime();
      if (lostAt == 0) {
        lostAt = now;
        err().println("virtflow: event stream lost; resuming " + (position == null ? "from now" : "after " + position));
        err().flush();
      } else if (now - lostAt > TimeUnit.MILLISECONDS.toNanos(RECONNECT_FOR_MS)) {
        throw new CliFailure(ExitCode.UNAVAILABLE, "the event stream from " + gateway().base() + " was lost and could "
            + "not be resumed within " + RECONNECT_FOR_MS / 1000 + " s" + (position == null ? ""
                : " (resume later with --since " + position + ")"));
      }
      sleep(Math.min(backoff, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    if (!json()) {
      println("events received: " + received);
    }
    return 0;
  }

  private void show(Frame frame) {
    if (json()) {
      JsonObject line = new JsonObject().put("id", frame.id());
      try {
        line.put("data", new JsonObject(frame.data()));
      } catch (DecodeException | ClassCastException e) {
        line.put("data", frame.data());
      }
      println(line.encode());
      return;
    }
    JsonObject e;
    try {
      e = new JsonObject(frame.data());
    } catch (DecodeException | ClassCastException ex) {
      println("event with unreadable data: " + frame.data());
      return;
    }
    String name = e.getString("domainName") != null ? e.getString("domainName") : e.getString("domainId");
    String text = "REBOOTED".equals(e.getString("type"))
        ? "event 'reboot' for domain '" + name + "'"
        : "event 'lifecycle' for domain '" + name + "': " + Text.capitalized(e.getString("type")) + " "
            + Text.capitalized(e.getString("detail"));
    println(timestamp ? Text.eventTime(e.getString("at")) + ": " + text : text);
  }

  private String query() {
    List<String> params = new ArrayList<>();
    if (domain != null) {
      params.add("domain=" + Gateway.query(domain));
    }
    if (host != null) {
      params.add("host=" + Gateway.query(host));
    }
    if (!types.isEmpty()) {
      params.add("type=" + Gateway.query(String.join(",", types)));
    }
    return params.isEmpty() ? "" : "?" + String.join("&", params);
  }

  /**
   * Opens the stream. A refusal is a {@link CliFailure}, except a 5xx on a reconnect (a gateway that is
   * restarting: null, to be tried again); not reaching the gateway is the IOException.
   */
  private Stream open(String position, boolean reconnect) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "text/event-stream");
    if (position != null) {
      headers.put("Last-Event-ID", position);
    }
    HttpResponse<InputStream> response;
    try {
      response = gateway().stream("/v1/events" + query(), headers);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.FAILURE, "interrupted");
    }
    if (response.statusCode() != 200) {
      String body;
      try (InputStream in = response.body()) {
        body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      }
      if (reconnect && response.statusCode() >= 500) {
        return null;
      }
      throw CliFailure.ofAnswer(new Gateway.Answer(response.statusCode(), body,
          response.headers().firstValue("Content-Type").orElse("")));
    }
    return new Stream(response.body());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One connection's frames, parsed on a thread of its own into a queue, so that the verb can stop at a
   * deadline or on silence without depending on whether closing a blocked response stream wakes its reader.
   */
  private static final class Stream {
    final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    final InputStream in;
    volatile long lastActivity = System.nanoTime();

    Stream(InputStream in) {
      this.in = in;
      Thread reader = new Thread(this::read, "virtflow-event-stream");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String id = null;
        String event = null;
        StringBuilder data = null;
        String line;
        while ((line = lines.readLine()) != null) {
          lastActivity = System.nanoTime();
          if (line.isEmpty()) {
            if (data != null || event != null) {
              queue.add(new Frame(id, event, data == null ? null : data.toString()));
            }
            id = null;
            event = null;
            data = null;
            continue;
          }
          if (line.startsWith(":")) {
            continue;
          }
          int colon = line.indexOf(':');
          String field = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + 1);
          if (value.startsWith(" ")) {
            value = value.substring(1);
          }
          switch (field) {
            case "id" -> id = value;
            case "event" -> event = value;
            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> {
              // retry: and unknown fields: nothing to do.
            }
          }
        }
        queue.add(new End(null));
      } catch (IOException | RuntimeException e) {
        queue.add(new End(e));
      }
    }

    void close() {
      try {
        in.close();
      } catch (IOException e) {
        // Closing a stream being abandoned: nothing else to do.
      }
    }
  }
}
