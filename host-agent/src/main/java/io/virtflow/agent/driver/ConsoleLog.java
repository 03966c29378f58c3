package io.virtflow.agent.driver;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.virtflow.agent.domain.Fault;

/** The end of a guest's serial console log, read without loading a big log whole. */
public final class ConsoleLog {
  /** At most this much of the file's end is read, whatever the number of lines asked for. */
  static final int MAX_BYTES = 256 << 10;

  private ConsoleLog() {
  }

  /** The last {@code lines} lines of {@code log} (control characters but tab and newline shown as '?'). */
  public static String tail(Path log, int lines) {
    if (!Files.exists(log)) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long length = f.length();
      int size = (int) Math.min(length, MAX_BYTES);
      byte[] bytes = new byte[size];
      f.seek(length - size);
      f.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8);
      String[] all = text.split("\n", -1);
      // A read that began inside the file may have cut its first line: drop that piece.
      int from = size < length ? 1 : 0;
      int count = all.length - (text.endsWith("\n") ? 1 : 0);
      int first = Math.max(from, count - lines);
      StringBuilder out = new StringBuilder(text.length());
      for (int i = first; i < count; i++) {
        for (char c : all[i].toCharArray()) {
          out.append(c < 0x20 && c != '\t' && c != '\r' ? '?' : c);
        }
        out.append('\n');
      }
      return out.toString();
    } catch (IOException e) {
      throw new HypervisorException(Fault.DRIVER_ERROR, "cannot read the console log " + log + ": " + e.getMessage());
    }
  }
}
