package io.virtflow.agent.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.virtflow.agent.Qemu;

/** The qemu-img wrapper against the real tool, on real files. */
class QemuImgTest {
  @TempDir
  Path dir;

  private QemuImg qemu;

  @BeforeEach
  void open() {
    qemu = Qemu.qemuImg();
  }

  @AfterEach
  void close() {
    if (qemu != null) {
      qemu.close();
    }
  }

  @Test
  void createsSparseImagesAndOverlaysAndReadsTheirChain() {
    Path base = dir.resolve("base.qcow2");
    Path top = dir.resolve("top.qcow2");
    qemu.create(base, 10);
    qemu.createOverlay(top, base);

    ImageInfo info = qemu.info(base);
    assertThat(info.format()).isEqualTo("qcow2");
    assertThat(info.virtualSize()).isEqualTo(10L << 30);
    assertThat(info.backing()).isNull();
    assertThat(base.toFile().length()).as("sparse").isLessThan(1 << 20);

    JsonNode chain = qemu.chainJson(top);
    assertThat(chain).hasSize(2);
    assertThat(chain.get(0).path("filename").asText()).isEqualTo(top.toString());
    assertThat(qemu.chain(top)).extracting(ImageInfo::file).containsExactly(top, base);
    assertThat(qemu.info(top).backing()).isEqualTo(base);
    assertThat(qemu.version()).startsWith("qemu-img version");
  }

  @Test
  void internalSnapshotsAreCreatedListedAppliedAndDeleted() {
    Path f = dir.resolve("f.qcow2");
    qemu.create(f, 1);
    Qemu.write(f, 0x11, "0", "64k");
    qemu.snapshotCreate(f, "s1");
    Qemu.write(f, 0x22, "0", "64k");
    assertThat(qemu.tags(f)).containsExactly("s1");
    assertThat(qemu.snapshotList(f)).contains("s1");

    qemu.snapshotApply(f, "s1");
    assertThat(Qemu.reads(f, 0x11, "0", "64k")).isTrue();
    assertThat(Qemu.reads(f, 0x22, "0", "64k")).isFalse();

    qemu.snapshotDelete(f, "s1");
    assertThat(qemu.tags(f)).isEmpty();
    assertThat(qemu.check(f)).contains("No errors");
  }

  @Test
  void aSafeRebaseKeepsWhatTheImageShows() {
    Path base = dir.resolve("base.qcow2");
    Path top = dir.resolve("top.qcow2");
    qemu.create(base, 1);
    Qemu.write(base, 0x11, "0", "64k");
    qemu.createOverlay(top, base);
    Qemu.write(top, 0x22, "64k", "64k");

    qemu.rebase(top, null);

    assertThat(qemu.info(top).backing()).isNull();
    assertThat(Qemu.reads(top, 0x11, "0", "64k")).isTrue();
    assertThat(Qemu.reads(top, 0x22, "64k", "64k")).isTrue();
  }

  @Test
  void aFailureCarriesQemuImgsStderrVerbatim() {
    Path f = dir.resolve("f.qcow2");
    qemu.create(f, 1);
    assertThatThrownBy(() -> qemu.snapshotApply(f, "nosuch"))
        .isInstanceOf(QemuImgException.class)
        .hasMessage("qemu-img snapshot failed (exit 1): qemu-img: Could not apply snapshot 'nosuch': "
            + "Failed to load snapshot: No such file or directory");
    assertThatThrownBy(() -> qemu.info(dir.resolve("missing.qcow2")))
        .hasMessageStartingWith("qemu-img info failed (exit 1): qemu-img: Could not open '"
            + dir.resolve("missing.qcow2"));
  }

  @Test
  void aCallPastItsTimeoutIsKilled() throws IOException {
    Qemu.require();
    Path hang = dir.resolve("hanging-qemu-img");
    // Answers --version, then hangs on anything else.
    Files.writeString(hang, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'qemu-img version 0 (fake)'; exit 0; fi\n"
        + "echo $$ > " + dir.resolve("pid") + "\nexec sleep 60\n");
    Files.setPosixFilePermissions(hang, PosixFilePermissions.fromString("rwx------"));
    try (QemuImg slow = QemuImg.open(hang.toString(), Duration.ofMillis(300))) {
      long started = System.nanoTime();
      assertThatThrownBy(() -> slow.create(dir.resolve("x.qcow2"), 1))
          .isInstanceOfSatisfying(QemuImgException.class, e -> assertThat(e.timedOut()).isTrue())
          .hasMessageContaining("qemu-img create timed out after 300 ms and was killed");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      long pid = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("killed").isFalse();
    }
  }

  @Test
  void aMissingExecutableIsAClearStartError() {
    assertThatThrownBy(() -> QemuImg.open("/nonexistent/qemu-img", Duration.ofSeconds(5)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the qcow2 disk backend needs qemu-img (Debian package qemu-utils)")
        .hasMessageContaining("'/nonexistent/qemu-img' cannot be run");
  }
}
