package io.virtflow.agent.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Confinement of the paths commands name, and the pool's file chores. No qemu needed. */
class PoolTest {
  private static final String WEB = UUID.randomUUID().toString();
  private static final String DB = UUID.randomUUID().toString();

  @TempDir
  Path dataDir;

  private Pool pool;

  @BeforeEach
  void open() throws IOException {
    pool = Pool.open(dataDir.resolve("pool"));
  }

  private void refused(String path, String why) {
    assertThatThrownBy(() -> pool.confine(WEB, path))
        .as(path)
        .isInstanceOf(Pool.PathRefusedException.class)
        .hasMessageContaining("'" + path.replace("\0", "\\0") + "'")
        .hasMessageContaining(why);
  }

  @Test
  void theDomainsOwnFilesAreAccepted() {
    Path dir = pool.dir();
    Path vda = dir.resolve(WEB + "-vda.qcow2");
    assertThat(pool.confine(WEB, vda.toString())).isEqualTo(vda);
    assertThat(pool.confine(WEB, WEB + "-vda-s1.qcow2")).as("relative to the pool")
        .isEqualTo(dir.resolve(WEB + "-vda-s1.qcow2"));
    assertThat(pool.confine(WEB, dir + "/./" + WEB + "-vda.qcow2")).isEqualTo(dir.resolve(WEB + "-vda.qcow2"));
  }

  @Test
  void hostilePathsAreRefusedNamingThePath() throws IOException {
    Path dir = pool.dir();
    refused(dir + "/../" + WEB + "-vda.qcow2", "outside the storage pool");
    refused(dir + "/" + WEB + "-x/../../etc/passwd", "outside the storage pool");
    refused("../../etc/passwd", "outside the storage pool");
    refused("/etc/passwd", "outside the storage pool");
    refused("/tmp/" + WEB + "-vda.qcow2", "outside the storage pool");
    refused(dir + "/sub/" + WEB + "-vda.qcow2", "outside the storage pool");
    refused(dir.toString(), "outside the storage pool");
    refused(dir.resolve(DB + "-vda.qcow2").toString(), "does not belong to domain " + WEB);
    refused(dir.resolve("vda.qcow2").toString(), "does not belong to domain " + WEB);
    refused(dir + "/" + WEB + "-vda.qcow2\0.txt", "contains a NUL character");
    refused(dir + "/" + WEB + "-vda qcow2", "a pool file name has only letters");
    refused("", "is empty");

    Path outside = Files.writeString(dataDir.resolve("secret.qcow2"), "not yours");
    Path link = Files.createSymbolicLink(dir.resolve(WEB + "-evil.qcow2"), outside);
    refused(link.toString(), "is a symbolic link");
    Path inner = Files.createSymbolicLink(dir.resolve(WEB + "-alias.qcow2"), dir.resolve(DB + "-vda.qcow2"));
    refused(inner.toString(), "is a symbolic link");
  }

  @Test
  void aSymlinkedDirectoryInThePathIsNotAWayOut() throws IOException {
    Path elsewhere = Files.createDirectories(dataDir.resolve("elsewhere"));
    Files.createSymbolicLink(pool.dir().resolve(WEB + "-dir"), elsewhere);
    refused(pool.dir().resolve(WEB + "-dir").resolve(WEB + "-vda.qcow2").toString(), "outside the storage pool");
  }

  @Test
  void aDomainsFilesAreThoseNamedAfterIt() throws IOException {
    Files.writeString(pool.dir().resolve(WEB + "-vda.qcow2"), "a");
    Files.writeString(pool.dir().resolve(WEB + "-vda-s1.qcow2"), "b");
    Files.writeString(pool.dir().resolve(DB + "-vda.qcow2"), "c");
    assertThat(pool.filesOf(WEB)).containsExactly(pool.dir().resolve(WEB + "-vda-s1.qcow2"),
        pool.dir().resolve(WEB + "-vda.qcow2"));
  }

  @Test
  void anAtomicCopyLeavesACompleteFileAndNoTemporary() throws IOException {
    byte[] bytes = new byte[3 * 1024 * 1024 + 17];
    new java.util.Random(7).nextBytes(bytes);
    Path source = Files.write(pool.dir().resolve(WEB + "-vda.qcow2"), bytes);
    Path target = pool.dir().resolve(WEB + "-vda-copy.qcow2");
    // A crash during an earlier copy left a partial file: it is written over.
    Files.writeString(pool.dir().resolve(WEB + "-vda-copy.qcow2.part"), "torn");

    pool.copyAtomically(source, target);

    assertThat(Files.readAllBytes(target)).isEqualTo(bytes);
    assertThat(pool.filesOf(WEB)).containsExactly(target, source);
  }
}
