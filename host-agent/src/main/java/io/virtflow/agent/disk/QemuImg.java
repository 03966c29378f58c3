package io.virtflow.agent.disk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The {@code qemu-img} tool (Debian {@code qemu-utils}) as a handful of blocking calls, each a process with
 * a timeout: past it the process (and anything it started) is killed and the call fails. A non-zero exit
 * fails the call with qemu-img's stderr verbatim in the message.
 *
 * <p>Calls block their thread for the process's lifetime: make them from a worker pool (the agent's driver
 * calls run on its named {@code Blocking} pool), never from an event loop. The process's output is drained by
 * this instance's own named threads ({@code virtflow-qemu-io-*}), so that a chatty or hung qemu-img can fill
 * neither pipe nor outlive its timeout.
 *
 * <p>Every image is opened as qcow2 ({@code -f qcow2}, or for {@code snapshot}, which has no {@code -f} in
 * qemu 7.2, {@code --image-opts driver=qcow2,...}): an image is never probed for its format (a raw guest
 * disk could otherwise pass for a qcow2 with a hostile backing file). Reads use {@code -U} (no lock), as an
 * image held by a running guest refuses a locking open.
 */
public final class QemuImg implements AutoCloseable {
  public static final String QCOW2 = "qcow2";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final String executable;
  private final Duration timeout;
  private final String version;
  private final ExecutorService io = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "virtflow-qemu-io-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  private QemuImg(String executable, Duration timeout) {
    this.executable = executable;
    this.timeout = timeout;
    this.version = probe();
  }

  /**
   * Finds {@code executable} (a name on the PATH or a path) and checks that it runs.
   *
   * @throws IOException naming the executable and what to do when it cannot be run
   */
  public static QemuImg open(String executable, Duration timeout) throws IOException {
    try {
      return new QemuImg(executable, timeout);
    } catch (QemuImgException e) {
      throw new IOException("the qcow2 disk backend needs qemu-img (Debian package qemu-utils), but '" + executable
          + "' cannot be run: " + e.getMessage() + "; install it, or choose the memory disk backend", e);
    }
  }

  private String probe() {
    try {
      String out = run(List.of("--version")).trim();
      int nl = out.indexOf('\n');
      return nl < 0 ? out : out.substring(0, nl);
    } catch (QemuImgException e) {
      io.shutdownNow();
      throw e;
    }
  }

  /** The first line of {@code qemu-img --version}. */
  public String version() {
    return version;
  }

  public Duration timeout() {
    return timeout;
  }

  /** {@code qemu-img create -f qcow2 file sizeG}: a new, empty, sparse image. */
  public void create(Path file, long sizeGiB) {
    run(List.of("create", "-q", "-f", QCOW2, file.toString(), sizeGiB + "G"));
  }

  /** {@code qemu-img create -f qcow2 -b backing -F qcow2 file}: a new overlay reading through {@code backing}. */
  public void createOverlay(Path file, Path backing) {
    run(List.of("create", "-q", "-f", QCOW2, "-b", backing.toString(), "-F", QCOW2, file.toString()));
  }

  /**
   * {@code qemu-img create -f qcow2 -u -b backing -F qcow2 file SIZE}: an overlay on a backing file a running
   * guest holds (which qemu-img may not open): the size comes from {@code info -U}, the backing is not opened.
   */
  public void createOverlayOnHeld(Path file, Path backing) {
    long size = info(backing).virtualSize();
    run(List.of("create", "-q", "-f", QCOW2, "-u", "-b", backing.toString(), "-F", QCOW2, file.toString(),
        Long.toString(size)));
  }

  /** {@code qemu-img info -U --output=json}: the image alone. */
  public ImageInfo info(Path file) {
    return ImageInfo.of(parse(run(List.of("info", "-U", "-f", QCOW2, "--output=json", file.toString()))));
  }

  /** {@code qemu-img info -U --output=json --backing-chain}, as qemu-img prints it: an array, top image first. */
  public JsonNode chainJson(Path file) {
    JsonNode chain = parse(run(List.of("info", "-U", "-f", QCOW2, "--output=json", "--backing-chain",
        file.toString())));
    if (!chain.isArray()) {
      throw new QemuImgException("qemu-img info --backing-chain did not print an array for " + file, false, null);
    }
    return chain;
  }

  /** The chain of {@link #chainJson}, parsed. */
  public List<ImageInfo> chain(Path file) {
    List<ImageInfo> out = new ArrayList<>();
    chainJson(file).forEach(n -> out.add(ImageInfo.of(n)));
    return out;
  }

  /** The internal snapshots' names (the machine-readable form of {@code qemu-img snapshot -l}). */
  public List<String> tags(Path file) {
    return info(file).tags();
  }

  /** {@code qemu-img snapshot -c tag}. qemu-img accepts a name that exists already: callers check first. */
  public void snapshotCreate(Path file, String tag) {
    run(List.of("snapshot", "-q", "--image-opts", "-c", tag, imageOpts(file)));
  }

  /** {@code qemu-img snapshot -d tag}. */
  public void snapshotDelete(Path file, String tag) {
    run(List.of("snapshot", "-q", "--image-opts", "-d", tag, imageOpts(file)));
  }

  /** {@code qemu-img snapshot -a tag}: the image's content becomes the snapshot's. */
  public void snapshotApply(Path file, String tag) {
    run(List.of("snapshot", "-q", "--image-opts", "-a", tag, imageOpts(file)));
  }

  /** {@code qemu-img snapshot -l}, as qemu-img prints it (for people; {@link #tags} for programs). */
  public String snapshotList(Path file) {
    return run(List.of("snapshot", "-U", "--image-opts", "-l", imageOpts(file)));
  }

  /**
   * Safe {@code qemu-img rebase}: the image's visible content stays the same, clusters that differ between
   * the old and the new backing are copied into it first. A null {@code backing} makes it stand alone
   * ({@code -b ""}).
   */
  public void rebase(Path file, Path backing) {
    List<String> args = new ArrayList<>(List.of("rebase", "-q", "-f", QCOW2));
    if (backing == null) {
      args.addAll(List.of("-b", ""));
    } else {
      args.addAll(List.of("-b", backing.toString(), "-F", QCOW2));
    }
    args.add(file.toString());
    run(args);
  }

  /** {@code qemu-img check}: fails (stderr and report in the message) when the image has errors or leaks. */
  public String check(Path file) {
    return run(List.of("check", "-U", "-f", QCOW2, file.toString()));
  }

  /** The image as {@code --image-opts} names it: qcow2 on a plain file; a comma in an option value is doubled. */
  private static String imageOpts(Path file) {
    return "driver=qcow2,file.driver=file,file.filename=" + file.toString().replace(",", ",,");
  }

  // ---- the process -------------------------------------------------------------------------------

  private String run(List<String> args) {
    List<String> command = new ArrayList<>(args.size() + 1);
    command.add(executable);
    command.addAll(args);
    String what = "qemu-img " + args.get(0);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    // Messages in the C locale: they are parsed by people reading statuses, and compared by tests.
    Map<String, String> env = builder.environment();
    env.put("LC_ALL", "C");
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new QemuImgException("cannot run " + executable + ": " + e.getMessage(), false, e);
    }
    Future<String> stdout = io.submit(() -> drain(process.getInputStream()));
    Future<String> stderr = io.submit(() -> drain(process.getErrorStream()));
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new QemuImgException(what + " timed out after " + timeout.toMillis() + " ms and was killed: "
            + String.join(" ", command), true, null);
      }
      String out = stdout.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      String err = stderr.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      int exit = process.exitValue();
      if (exit != 0) {
        throw new QemuImgException(what + " failed (exit " + exit + "): " + stripTrailingNewline(err), false, null);
      }
      return out;
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new QemuImgException(what + " was interrupted and killed", false, e);
    } catch (ExecutionException | TimeoutException e) {
      kill(process);
      throw new QemuImgException(what + ": cannot read its output: " + e, false, e);
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String drain(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String stripTrailingNewline(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
      end--;
    }
    return s.substring(0, end);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new QemuImgException("qemu-img printed JSON that does not parse: " + e.getMessage(), false, e);
    }
  }

  @Override
  public void close() {
    io.shutdownNow();
  }

  @Override
  public String toString() {
    return executable + " (" + version + ", timeout " + timeout.toMillis() + " ms)";
  }
}
