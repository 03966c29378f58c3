package io.virtflow.agent.driver.libvirt;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.libvirt.Connect;
import org.libvirt.Error;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.driver.HypervisorException;

/**
 * One connection to libvirtd that stays up: opened at start (or as soon as the daemon answers), watched by
 * libvirt's keepalive and close callback, and opened again with a capped backoff whenever it is lost. While
 * it is down every call fails at once with {@code DRIVER_ERROR} naming the URI and why.
 *
 * <p>libvirt's event loop runs on a daemon thread of its own ({@code virtflow-libvirt-events}, one per JVM,
 * as the binding requires), never on a Vert.x event loop; the callbacks it runs must not block.
 */
final class LibvirtConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LibvirtConnection.class);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  /** Keepalive: a probe every 5 s, the connection counts as dead after 3 unanswered ones. */
  private static final int KEEPALIVE_INTERVAL_S = 5;
  private static final int KEEPALIVE_COUNT = 3;
  private static boolean eventLoopStarted;

  /** What to do with a new connection (listeners) and with its loss; called on the reconnect thread. */
  interface Listener {
    void connected(Connect connect) throws LibvirtException;

    /** {@code connect} is the connection now: calls go through it. */
    void ready(Connect connect);

    /** Before {@code connect} is closed: take the event listeners off it. */
    void closing(Connect connect);

    void lost(String why);
  }

  /**
   * Every connection this JVM closed, kept reachable: the binding's callbacks live in the Connect object,
   * and libvirt's event loop may still call into them (or their free functions) after the close; a
   * collected callback there crashes the JVM (seen in tests: SIGSEGV in virEventRunDefaultImpl).
   */
  private static final List<Connect> RETIRED = new CopyOnWriteArrayList<>();

  private final String uri;
  private final String hostId;
  private final Listener listener;
  private final ScheduledExecutorService reconnects;
  private volatile Connect connect;
  private volatile String downBecause = "not connected yet";
  private volatile boolean closed;
  private long attempt;

  LibvirtConnection(String uri, String hostId, Listener listener) {
    this.uri = uri;
    this.hostId = hostId;
    this.listener = listener;
    this.reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "virtflow-libvirt-connect-" + hostId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts libvirt's event loop (once per JVM) and tries to connect now; blocking for that first try. */
  void open() {
    startEventLoop();
    try {
      reconnects.submit(this::connectOnce).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.warn("{}: first libvirt connection failed: {}", hostId, e.getCause().toString());
    }
  }

  private static synchronized void startEventLoop() {
    if (eventLoopStarted) {
      return;
    }
    try {
      Library.initEventLoop();
    } catch (LibvirtException e) {
      throw new IllegalStateException("libvirt: cannot start the event loop: " + e.getMessage(), e);
    }
    Thread loop = new Thread(() -> {
      try {
        Library.runEventLoop();
      } catch (LibvirtException e) {
        LOG.error("libvirt event loop ended: {}", e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "virtflow-libvirt-events");
    loop.setDaemon(true);
    loop.start();
    eventLoopStarted = true;
  }

  private void connectOnce() {
    if (closed || connect != null) {
      return;
    }
    try {
      Connect c = new Connect(uri);
      c.setKeepAlive(KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
      c.registerCloseListener((conn, reason) -> {
        // On libvirt's event-loop thread: hand over, never block here.
        reconnects.execute(() -> lose(conn, "connection closed (" + reason + ")"));
      });
      listener.connected(c);
      connect = c;
      attempt = 0;
      LOG.info("{}: connected to libvirt at {}", hostId, uri);
      // Only now: whoever hears of the connection can use it at once.
      listener.ready(c);
    } catch (LibvirtException | RuntimeException e) {
      downBecause = "cannot connect: " + message(e);
      long delay = Math.min(MAX_BACKOFF.toMillis(), MIN_BACKOFF.toMillis() << Math.min(attempt++, 6));
      LOG.warn("{}: libvirt at {} unreachable ({}); again in {} ms", hostId, uri, downBecause, delay);
      if (!closed) {
        reconnects.schedule(this::connectOnce, delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** The connection {@code lost} is gone: forget it and connect again. Any thread. */
  void lose(Connect lost, String why) {
    reconnects.execute(() -> {
      if (closed || connect == null || (lost != null && lost != connect)) {
        return;
      }
      Connect old = connect;
      connect = null;
      downBecause = why;
      LOG.warn("{}: lost libvirt at {}: {}; reconnecting", hostId, uri, why);
      retire(old);
      listener.lost(why);
      connectOnce();
    });
  }

  /** The connection now; throws DRIVER_ERROR (changing nothing) while there is none. */
  Connect get() {
    Connect c = connect;
    if (c == null) {
      throw new HypervisorException(Fault.DRIVER_ERROR, "libvirt at " + uri + " is unreachable: " + downBecause);
    }
    return c;
  }

  boolean connected() {
    return connect != null;
  }

  String downBecause() {
    return downBecause;
  }

  String uri() {
    return uri;
  }

  /**
   * A libvirt error as the agent reports it. Errors that mean the connection is gone also drop it, so that
   * the next call fails fast and a reconnect starts.
   */
  HypervisorException failure(String what, LibvirtException e, Connect used) {
    Error.ErrorNumber code = e.getError() == null ? null : e.getError().getCode();
    String message = what + ": " + message(e);
    if (code == null) {
      return new HypervisorException(Fault.DRIVER_ERROR, message);
    }
    return switch (code) {
      case VIR_ERR_NO_DOMAIN -> HypervisorException.rejected(Fault.NO_DOMAIN, message);
      case VIR_ERR_OPERATION_INVALID -> new HypervisorException(Fault.OPERATION_INVALID, message);
      case VIR_ERR_INVALID_ARG, VIR_ERR_XML_ERROR, VIR_ERR_XML_DETAIL, VIR_ERR_CONFIG_UNSUPPORTED,
          VIR_ERR_NO_SUPPORT -> HypervisorException.rejected(Fault.INVALID_ARG, message);
      case VIR_ERR_OPERATION_UNSUPPORTED, VIR_ERR_ARGUMENT_UNSUPPORTED ->
          HypervisorException.rejected(Fault.OPERATION_UNSUPPORTED, message);
      case VIR_ERR_OPERATION_TIMEOUT -> HypervisorException.failed(Fault.TIMEOUT, message);
      case VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC, VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN, VIR_ERR_AUTH_FAILED -> {
        if (used != null && !isAlive(used)) {
          lose(used, message(e));
        }
        yield new HypervisorException(Fault.DRIVER_ERROR, message);
      }
      default -> new HypervisorException(Fault.DRIVER_ERROR, message);
    };
  }

  private static boolean isAlive(Connect c) {
    try {
      return c.isAlive();
    } catch (LibvirtException | RuntimeException e) {
      return false;
    }
  }

  static String message(Exception e) {
    if (e instanceof LibvirtException l && l.getError() != null && l.getError().getMessage() != null) {
      return l.getError().getMessage();
    }
    return String.valueOf(e.getMessage());
  }

  @Override
  public void close() {
    closed = true;
    reconnects.shutdownNow();
    Connect c = connect;
    connect = null;
    if (c != null) {
      retire(c);
    }
  }

  private void retire(Connect c) {
    RETIRED.add(c);
    try {
      listener.closing(c);
      c.unregisterCloseListener();
    } catch (LibvirtException | RuntimeException e) {
      LOG.debug("{}: taking the listeners off a libvirt connection: {}", hostId, e.toString());
    }
    try {
      c.close();
    } catch (LibvirtException | RuntimeException e) {
      LOG.debug("{}: closing libvirt: {}", hostId, e.toString());
    }
  }

  /** For callers that want the connection or nothing. */
  void ifConnected(Consumer<Connect> action) {
    Connect c = connect;
    if (c != null) {
      action.accept(c);
    }
  }
}
