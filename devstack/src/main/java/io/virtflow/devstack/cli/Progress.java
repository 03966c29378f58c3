package io.virtflow.devstack.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

/**
 * A one-line spinner with the elapsed time on stderr while a verb waits for a command, shown only when a
 * person is watching (a terminal); piped or redirected, nothing is drawn. {@link #close} erases the line.
 */
final class Progress implements AutoCloseable {
  private static final char[] SPIN = {'|', '/', '-', '\\'};
  private static final long FRAME_MS = 100;

  private final PrintWriter err;
  private final String label;
  private final long started = System.nanoTime();
  private final Thread ticker;
  private final Thread eraseOnExit = new Thread(this::erase, "virtflow-progress-erase");
  private volatile String status = "ACCEPTED";
  private volatile boolean done;
  private int frame;

  private Progress(PrintWriter err, String label) {
    this.err = err;
    this.label = label;
    draw();
    ticker = new Thread(this::tick, "virtflow-progress");
    ticker.setDaemon(true);
    ticker.start();
    // Ctrl-C while waiting: leave no spinner behind on the terminal.
    Runtime.getRuntime().addShutdownHook(eraseOnExit);
  }

  /** A progress line on {@code err} if this process talks to a terminal, or one that draws nothing. */
  static Progress start(PrintWriter err, String label) {
    return interactive() ? new Progress(err, label) : null;
  }

  /**
   * A terminal: {@code System.console()} is there (JDK 17: standard input and output are both a terminal).
   * From JDK 22 on a console may exist without one; {@code Console.isTerminal()} says so there.
   */
  static boolean interactive() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = java.io.Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  static void update(Progress p, String status) {
    if (p != null && status != null) {
      p.status = status;
    }
  }

  private void tick() {
    while (!done) {
      try {
        Thread.sleep(FRAME_MS);
      } catch (InterruptedException e) {
        return;
      }
      draw();
    }
  }

  private synchronized void draw() {
    if (done) {
      return;
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    err.print(String.format("\r%c %s: %s  %d.%ds ", SPIN[frame++ % SPIN.length], label, status, ms / 1000,
        (ms % 1000) / 100));
    err.flush();
  }

  @Override
  public void close() {
    erase();
    ticker.interrupt();
    try {
      Runtime.getRuntime().removeShutdownHook(eraseOnExit);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook erases (or has erased) the line.
    }
  }

  private synchronized void erase() {
    if (!done) {
      done = true;
      err.print("\r\033[K");
      err.flush();
    }
  }
}
