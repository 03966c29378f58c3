package io.virtflow.agent.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe replacement of small files: after {@link #write} returns, the file holds the new bytes
 * whatever happens next; a crash during it leaves the old bytes. Temp file, fsync, atomic rename, then
 * fsync of the directory so that the rename itself survives a power cut.
 */
public final class AtomicFile {
  private AtomicFile() {
  }

  public static void write(Path target, byte[] bytes) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = dir.resolve("." + target.getFileName() + ".tmp");
    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(out, ByteBuffer.wrap(bytes));
      out.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(dir);
  }

  /** Deletes the file, durably. */
  public static void delete(Path target) throws IOException {
    if (Files.deleteIfExists(target)) {
      syncDirectory(target.toAbsolutePath().getParent());
    }
  }

  static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }

  /** Makes a directory entry change (create, rename, delete) durable. */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Some file systems (and non-Linux platforms) refuse to open or sync a directory; the rename is
      // still atomic there, only its durability across a power cut is the file system's business.
      if (Files.isDirectory(dir)) {
        return;
      }
      throw e;
    }
  }
}
