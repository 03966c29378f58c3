package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class SnapshotDirectoryTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private static SnapshotCatalogView.SnapshotView snap(String name, String parent, int second) {
    return new SnapshotCatalogView.SnapshotView(name, parent, SnapshotKind.INTERNAL, null, "RUNNING", true, false,
        false, T0.plusSeconds(second), List.of());
  }

  private static SnapshotCatalogView catalog(String current, SnapshotCatalogView.SnapshotView... snapshots) {
    return new SnapshotCatalogView(List.of(snapshots), current);
  }

  @Test
  void childrenAreDerivedFromParentNamesOldestFirst() {
    // Listed out of order on purpose: the view sorts by creation time, then name.
    SnapshotCatalogView c = catalog("d", snap("d", "a", 3), snap("b", "a", 1), snap("a", null, 0), snap("c", "b", 2),
        snap("e", "a", 3));
    assertThat(c.snapshots()).extracting(SnapshotCatalogView.SnapshotView::name).containsExactly("a", "b", "c", "d",
        "e");
    assertThat(c.children("a")).containsExactly("b", "d", "e");
    assertThat(c.children("b")).containsExactly("c");
    assertThat(c.children("c")).isEmpty();
    assertThat(c.children("ghost")).isEmpty();
    assertThat(c.size()).isEqualTo(5);
  }

  @Test
  void aWorkflowKeepsTheCatalogUntilItEndsAndItsEndReplacesIt() {
    SnapshotDirectory dir = new SnapshotDirectory(10);
    assertThat(dir.catalog("d1")).isEqualTo(SnapshotCatalogView.EMPTY);
    assertThat(dir.count("d1")).isZero();

    dir.finished("d1", "c1", catalog("a", snap("a", null, 0)));
    dir.started("d1", new SnapshotDirectory.InProgress("CREATING", "b", "c2", T0));
    assertThat(dir.count("d1")).isEqualTo(1);
    assertThat(dir.inProgress("d1")).hasValueSatisfying(ip -> assertThat(ip.snapshot()).isEqualTo("b"));
    assertThat(dir.settled("c1")).isTrue();
    assertThat(dir.settled("c2")).isFalse();

    dir.finished("d1", "c2", catalog("b", snap("a", null, 0), snap("b", "a", 1)));
    assertThat(dir.inProgress("d1")).isEmpty();
    assertThat(dir.count("d1")).isEqualTo(2);
    assertThat(dir.catalog("d1").current()).isEqualTo("b");

    // An end without a catalog (a reconcile) leaves it as it is.
    dir.finished("d1", "c3", null);
    assertThat(dir.count("d1")).isEqualTo(2);
    dir.finished("d2", "c4", null);
    assertThat(dir.size()).isEqualTo(1);

    dir.dropped("d1");
    assertThat(dir.count("d1")).isZero();
    assertThat(dir.inProgress("d1")).isEmpty();
    assertThat(dir.size()).isZero();
  }

  @Test
  void settledCommandsAreBounded() {
    SnapshotDirectory dir = new SnapshotDirectory(2);
    dir.finished("d", "c1", null);
    dir.finished("d", "c2", null);
    dir.finished("d", "c3", null);
    assertThat(dir.settled("c1")).isFalse();
    assertThat(dir.settled("c2")).isTrue();
    assertThat(dir.settled("c3")).isTrue();
  }
}
