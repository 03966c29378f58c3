package io.virtflow.agent.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The host's storage pool: one directory holding every image file of every domain, each named
 * {@code <domainId>-<anything>} (the base images {@code <domainId>-<target>.qcow2}, and the overlays and
 * copies of its snapshots).
 *
 * <p>Confinement (DESIGN §6 "Disk paths"): a path a command names is accepted only if, after normalization,
 * it is a direct entry of the pool directory, is not a symbolic link, and its name starts with the domain's
 * id; otherwise {@link PathRefusedException}, naming the path. Names are restricted to letters, digits,
 * {@code . _ -}: they reach {@code qemu-img} as arguments and image headers as backing references.
 */
public final class Pool {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");

  private final Path dir;
  private final Path realDir;

  private Pool(Path dir, Path realDir) {
    this.dir = dir;
    this.realDir = realDir;
  }

  /** The pool in {@code dir}, created if needed. */
  public static Pool open(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath().normalize();
    Files.createDirectories(absolute);
    return new Pool(absolute, absolute.toRealPath());
  }

  /** A path named by a command and refused: outside the pool, a link, or not the domain's. */
  public static final class PathRefusedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    PathRefusedException(String message) {
      super(message);
    }
  }

  public Path dir() {
    return dir;
  }

  /** Where a domain's disk starts out: {@code <pool>/<domainId>-<target>.qcow2}. */
  public Path baseImage(String domainId, String target) {
    return dir.resolve(domainId + "-" + target + ".qcow2");
  }

  /**
   * {@code path} (absolute, or relative to the pool) as a file of {@code domainId} in the pool.
   *
   * @throws PathRefusedException when it is anything else
   */
  public Path confine(String domainId, String path) {
    if (path == null || path.isEmpty()) {
      throw new PathRefusedException("path '' is empty: it names no file of the storage pool");
    }
    String shown = path.replace("\0", "\\0");
    if (path.indexOf('\0') >= 0) {
      throw new PathRefusedException("path '" + shown + "' contains a NUL character");
    }
    Path p;
    try {
      p = dir.resolve(path).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new PathRefusedException("path '" + shown + "' is not a valid path: " + e.getReason());
    }
    if (p.getParent() == null || !p.getParent().equals(dir)) {
      throw new PathRefusedException("path '" + shown + "' is outside the storage pool " + dir);
    }
    String name = p.getFileName().toString();
    if (!name.startsWith(domainId + "-")) {
      throw new PathRefusedException("path '" + shown + "' does not belong to domain " + domainId
          + " (its files in the pool are named " + domainId + "-*)");
    }
    if (!NAME.matcher(name).matches()) {
      throw new PathRefusedException("path '" + shown + "': a pool file name has only letters, digits, '.', '_' "
          + "and '-'");
    }
    if (Files.isSymbolicLink(p)) {
      throw new PathRefusedException("path '" + shown + "' is a symbolic link; pool files must be regular files");
    }
    if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Path real = p.toRealPath();
        if (!realDir.equals(real.getParent()) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
          throw new PathRefusedException("path '" + shown + "' is not a regular file of the storage pool " + dir);
        }
      } catch (IOException e) {
        throw new PathRefusedException("path '" + shown + "' cannot be resolved: " + e);
      }
    }
    return p;
  }

  /** Every file of the domain in the pool (the image files, and any temporary copy a crash left), sorted. */
  public List<Path> filesOf(String domainId) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, domainId + "-*")) {
      for (Path f : files) {
        out.add(f);
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Copies {@code source} to {@code target} so that {@code target} either does not exist or is a complete
   * copy, whatever happens: the bytes go to {@code <target>.part}, are fsync'd, and the file is renamed.
   */
  public void copyAtomically(Path source, Path target) throws IOException {
    Path part = target.resolveSibling(target.getFileName() + ".part");
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      long size = in.size();
      long done = 0;
      while (done < size) {
        long n = in.transferTo(done, size - done, out);
        if (n <= 0 && in.size() <= done) {
          break;
        }
        done += n;
      }
      out.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw e;
    }
    moveIntoPlace(part, target);
  }

  /** Renames a finished temporary file to its name, atomically and durably. */
  public void moveIntoPlace(Path part, Path target) throws IOException {
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory();
  }

  /** Deletes a file of the pool, durably; false when there was none. */
  public boolean delete(Path file) throws IOException {
    boolean deleted = Files.deleteIfExists(file);
    if (deleted) {
      syncDirectory();
    }
    return deleted;
  }

  private void syncDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems refuse to sync a directory; the rename is still atomic there.
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }
}
